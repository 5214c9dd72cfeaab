using System.Management.Automation;
using System.Security;
using SmtpTools.Authentication;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Lets -AccessToken take what Get-SmtpAccessToken returns (a token that renews itself), or a token from
    /// elsewhere as a SecureString or string: that one is wrapped at once, never renewed, but its claims still explain
    /// a refusal.
    /// </summary>
    internal sealed class AccessTokenTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            switch (inputData is PSObject pso ? pso.BaseObject : inputData)
            {
                case string text:
                    return SmtpTokenAcquirer.FromSupplied(SecureStringTransformationAttribute.ToSecureString(text));
                case SecureString secure:
                    return SmtpTokenAcquirer.FromSupplied(secure);
                default:
                    return inputData;
            }
        }
    }
}
