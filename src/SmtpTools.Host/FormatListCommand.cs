using System.Management.Automation;
using Microsoft.PowerShell.Commands.Internal.Format;

namespace SmtpTools.Host
{
    /// <summary>
    /// pwsh's own Format-List, for an engine that has only Microsoft.PowerShell.Core: the cmdlet lives in
    /// Microsoft.PowerShell.Commands.Utility, which is not on NuGet, but all its logic is in System.Management.Automation
    /// and the pwsh class is nothing but this base class with a List-shaped inner command.
    /// </summary>
    [Cmdlet(VerbsCommon.Format, "List")]
    public sealed class FormatListCommand : OuterFormatTableAndListBase
    {
        /// <summary>Attaches the engine's list formatter, as pwsh's FormatListCommand does.</summary>
        public FormatListCommand() => InnerFormatShape.Attach(this, "List");
    }
}
