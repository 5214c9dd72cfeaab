using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;
using SmtpTools.Host;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// What a user's console shows: runs a script in a fresh runspace with a host of a known width, the module imported,
    /// and the output sent through Out-Default, so the views in SmtpTools.Format.ps1xml render as pwsh renders them.
    /// </summary>
    public static class RenderedView
    {
        // Table headers keep their colour escapes whatever $PSStyle says: measure what the eye sees.
        private static readonly Regex AnsiEscape = new Regex("\u001b\\[[0-9;]*m", RegexOptions.Compiled);

        /// <summary>The rendered text of <paramref name="script"/>'s output; <paramref name="args"/> arrive as $args.</summary>
        public static string Render(string script, int width, params object?[] args)
        {
            using var output = new StringWriter();
            var host = new ConsoleHost(width, output);
            using var runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
            runspace.Open();
            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            ps.AddScript("Import-Module -Name $args[0] -ErrorAction Stop").AddArgument(Repo.ModuleManifest);
            ps.Invoke();
            ps.Commands.Clear();
            ps.AddScript(script);
            foreach (var arg in args)
            {
                ps.AddArgument(arg);
            }

            ps.AddCommand("Out-Default");
            ps.Invoke();
            return AnsiEscape.Replace(output.ToString(), string.Empty);
        }
    }
}
