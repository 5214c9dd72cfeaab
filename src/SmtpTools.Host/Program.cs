using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Runtime.Loader;

namespace SmtpTools.Host
{
    /// <summary>
    /// smtptools-host [--width N] [--module PATH] [--preload DLL]... '&lt;PowerShell command line&gt;'
    /// smtptools-host [--width N] [--module PATH] [--preload DLL]... -File script.ps1 [arguments]
    /// Imports SmtpTools from the built module folder and runs the command line (or the script), printing through the
    /// module's views. Format-List and Format-Table work as in pwsh.
    /// --preload (repeatable) loads an assembly into the default load context before SmtpTools is imported, as another
    /// module loaded earlier in the session would: for reproducing dependency conflicts (another MailKit, say).
    /// Exit code 0 when no error was written, 1 otherwise, 2 for bad usage.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            var width = 120;
            var module = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ModuleManifest").Value!;
            var preload = new List<string>();
            var rest = args.ToList();
            while (rest.Count > 0 && rest[0].StartsWith("--", StringComparison.Ordinal))
            {
                if (rest[0] == "--width" && rest.Count > 1 && int.TryParse(rest[1], out var w) && w >= 40)
                {
                    width = w;
                }
                else if (rest[0] == "--module" && rest.Count > 1)
                {
                    module = Path.GetFullPath(rest[1]);
                }
                else if (rest[0] == "--preload" && rest.Count > 1)
                {
                    if (!File.Exists(rest[1]))
                    {
                        Console.Error.WriteLine($"smtptools-host: assembly to preload not found: {rest[1]}");
                        return 2;
                    }

                    preload.Add(Path.GetFullPath(rest[1]));
                }
                else
                {
                    return Usage();
                }

                rest.RemoveRange(0, 2);
            }

            if (rest.Count == 0)
            {
                return Usage();
            }

            var command = string.Join(" ", rest);
            if (string.Equals(rest[0], "-File", StringComparison.OrdinalIgnoreCase))
            {
                if (rest.Count < 2 || !File.Exists(rest[1]))
                {
                    Console.Error.WriteLine($"smtptools-host: script not found: {(rest.Count > 1 ? rest[1] : "(none)")}");
                    return 2;
                }

                // Arguments are passed as literal strings, as pwsh -File does.
                command = "& '" + Path.GetFullPath(rest[1]).Replace("'", "''") + "' " + string.Join(" ", rest.Skip(2).Select(a => "'" + a.Replace("'", "''") + "'"));
            }

            foreach (var assembly in preload)
            {
                AssemblyLoadContext.Default.LoadFromAssemblyPath(assembly);
            }

            var host = new ConsoleHost(width);
            using var runspace = RunspaceFactory.CreateRunspace(host, HostSessionState.Create());
            runspace.Open();
            using var ps = PowerShell.Create();
            ps.Runspace = runspace;

            // Errors are rendered by Out-Default, as pwsh shows them; $Error says whether any happened.
            ps.AddScript("Import-Module -Name $args[0] -ErrorAction Stop; $Error.Clear(); & { " + command + " } 2>&1 | Out-Default; $Error.Count").AddArgument(module);
            try
            {
                var errors = ps.Invoke().LastOrDefault()?.BaseObject as int? ?? 1;
                return errors > 0 || ps.HadErrors ? 1 : host.ExitCode;
            }
            catch (RuntimeException e)
            {
                Console.Error.WriteLine(e.ErrorRecord?.ToString() ?? e.Message);
                return 1;
            }
        }

        private static int Usage()
        {
            Console.Error.WriteLine("usage: smtptools-host [--width N] [--module PATH/SmtpTools.psd1] [--preload DLL]... '<PowerShell command line>'");
            Console.Error.WriteLine("       smtptools-host [--width N] [--module PATH/SmtpTools.psd1] [--preload DLL]... -File script.ps1 [arguments]");
            Console.Error.WriteLine("  --preload DLL  load DLL into the default load context before importing SmtpTools, as another module would");
            Console.Error.WriteLine("                 (repeatable; for reproducing dependency conflicts)");
            Console.Error.WriteLine("example: smtptools-host 'Test-SmtpPort -ComputerName localhost -Port 2465,2587 -TrustedCertificate /tmp/smtptools-test-server/certs/ca.pem'");
            return 2;
        }
    }
}
