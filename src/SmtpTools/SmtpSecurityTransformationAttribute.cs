using System;
using System.Management.Automation;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Lets -Security take Test-SmtpPort's verdict as well as our own names, so
    /// <c>Test-SmtpPort host -Recommended | Send-SecureMail ...</c> binds: ImplicitTls and StartTls mean the same,
    /// PlainOnly becomes None (which still needs -AllowUnencrypted) and Unknown becomes Auto. An empty value (a blank
    /// CSV cell from Import-Csv) means Auto.
    /// </summary>
    internal sealed class SmtpSecurityTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            switch (value)
            {
                case null:
                    return SmtpRequestedSecurity.Auto;
                case string blank when blank.Trim().Length == 0:
                    return SmtpRequestedSecurity.Auto;
                case SmtpRequestedSecurity security:
                    return security;
                case SmtpObservedSecurity mode:
                    return FromMode(mode);
                case string text when Enum.TryParse<SmtpRequestedSecurity>(text.Trim(), true, out var named) && Enum.IsDefined(typeof(SmtpRequestedSecurity), named):
                    return named;
                case string text when Enum.TryParse<SmtpObservedSecurity>(text.Trim(), true, out var mode) && Enum.IsDefined(typeof(SmtpObservedSecurity), mode):
                    return FromMode(mode);
                default:
                    // Numbers and anything else: let the binder convert (and reject) as usual.
                    return inputData;
            }
        }

        // The two enums line up by value: ImplicitTls and StartTls are themselves, PlainOnly is None, Unknown is Auto.
        private static SmtpRequestedSecurity FromMode(SmtpObservedSecurity mode) => (SmtpRequestedSecurity)(int)mode;
    }
}
