namespace SmtpTools.Commands
{
    /// <summary>Where each cmdlet's online help lives: `Get-Help -Online` opens docs/&lt;Name&gt;.md of the project.</summary>
    internal static class HelpLinks
    {
        /// <summary>The folder of the pages, rendered from the MAML by `./build.ps1 -Task Docs`; the manifest's ProjectUri is its repository.</summary>
        public const string Docs = "https://github.com/smtptools/SmtpTools/blob/main/docs/";
    }
}
