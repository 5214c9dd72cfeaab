using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// A real PowerShell 7.6 runspace with SmtpTools imported from the built module folder, exactly as
    /// `Import-Module out/SmtpTools/&lt;version&gt;/SmtpTools.psd1` does for a user. One per test class (creating a
    /// runspace costs about a second); scripts run one at a time. The session is pwsh's default one, with every
    /// built-in command (Microsoft.PowerShell.SDK): Select-Object, Format-Table, ConvertTo-Json, Export-Csv, Start-ThreadJob.
    /// </summary>
    public sealed class ModuleSession : IDisposable
    {
        private readonly Runspace _runspace;
        private readonly object _gate = new object();

        /// <param name="host">A host to render through (see <see cref="ViewRenderer"/>); none by default.</param>
        public ModuleSession(PSHost? host = null)
        {
            var state = InitialSessionState.CreateDefault2();
            if (OperatingSystem.IsWindows())
            {
                state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
            }

            _runspace = host == null ? RunspaceFactory.CreateRunspace(state) : RunspaceFactory.CreateRunspace(host, state);
            _runspace.Open();
            var import = Run("Import-Module -Name $args[0] -ErrorAction Stop", Repo.ModuleManifest);
            if (import.Terminating != null || import.Errors.Count > 0)
            {
                throw new InvalidOperationException("Import-Module SmtpTools failed: " + (import.Terminating?.Message ?? import.Errors[0].ToString()));
            }
        }

        /// <summary>Runs PowerShell text; <paramref name="args"/> arrive as $args in the script.</summary>
        public PowerShellRun Run(string script, params object?[] args) => Run(script, null, args);

        /// <summary>Runs PowerShell text with named variables set first.</summary>
        public PowerShellRun Run(string script, IDictionary<string, object?>? variables, params object?[] args)
        {
            lock (_gate)
            {
                using var ps = PowerShell.Create();
                ps.Runspace = _runspace;
                if (variables != null)
                {
                    foreach (var pair in variables)
                    {
                        _runspace.SessionStateProxy.SetVariable(pair.Key, pair.Value);
                    }
                }

                ps.AddScript(script);
                foreach (var arg in args)
                {
                    ps.AddArgument(arg);
                }

                RuntimeException? terminating = null;
                var output = new List<PSObject>();
                try
                {
                    output.AddRange(ps.Invoke().Where(o => o != null));
                }
                catch (RuntimeException e)
                {
                    terminating = e;
                }

                return new PowerShellRun
                {
                    Output = output,
                    Errors = ps.Streams.Error.ToList(),
                    Verbose = ps.Streams.Verbose.Select(v => v.Message).ToList(),
                    Warnings = ps.Streams.Warning.Select(v => v.Message).ToList(),
                    Debug = ps.Streams.Debug.Select(v => v.Message).ToList(),
                    Information = ps.Streams.Information.Select(v => v.MessageData?.ToString() ?? string.Empty).ToList(),
                    Progress = ps.Streams.Progress.ToList(),
                    Terminating = terminating,
                };
            }
        }

        public void Dispose() => _runspace.Dispose();
    }
}
