using System.Management.Automation;
using Microsoft.PowerShell.Commands.Internal.Format;

namespace SmtpTools.Host
{
    /// <summary>pwsh's own Format-Table (with -AutoSize, -Wrap, -HideTableHeaders), for the same reason as <see cref="FormatListCommand"/>.</summary>
    [Cmdlet(VerbsCommon.Format, "Table")]
    public sealed class FormatTableCommand : OuterFormatTableBase
    {
        /// <summary>Attaches the engine's table formatter, as pwsh's FormatTableCommand does.</summary>
        public FormatTableCommand() => InnerFormatShape.Attach(this, "Table");
    }
}
