using System.Management.Automation;
using System.Security;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Lets a secret parameter take a SecureString (preferred) or a plain string, which is copied into a
    /// SecureString at once: OAuth tools hand out tokens and portals show client secrets as plain strings.
    /// </summary>
    internal sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            return value is string text ? ToSecureString(text) : inputData;
        }

        internal static SecureString ToSecureString(string text)
        {
            var secure = new SecureString();
            foreach (var c in text)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }
    }
}
