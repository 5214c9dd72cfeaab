using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// A PowerShell 7.6 runspace (the engine hosted from NuGet, as the module tests do) with SmtpTools imported
    /// from the built module folder: the figures go through the module exactly as a user's session does.
    /// </summary>
    internal sealed class ModuleRunspace : IDisposable
    {
        private readonly Runspace _runspace;

        /// <summary>Opens a runspace; imports the module unless <paramref name="import"/> is false (the start-up figure times it).</summary>
        public ModuleRunspace(bool import = true)
        {
            var state = InitialSessionState.CreateDefault2();
            if (OperatingSystem.IsWindows())
            {
                state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
            }

            _runspace = RunspaceFactory.CreateRunspace(state);
            _runspace.Open();
            if (import)
            {
                Import();
            }
        }

        /// <summary>Import-Module of the built manifest; returns how long it took.</summary>
        public TimeSpan Import() => Time("Import-Module -Name $args[0] -ErrorAction Stop", Repo.ModuleManifest).Elapsed;

        /// <summary>Runs PowerShell text (<paramref name="args"/> arrive as $args) and times it.</summary>
        /// <exception cref="InvalidOperationException">The script wrote an error or failed: a benchmark that errs measures nothing.</exception>
        public (Collection<PSObject> Output, TimeSpan Elapsed) Time(string script, params object?[] args) => Time(script, null, args);

        /// <summary>
        /// As <see cref="Time(string, object?[])"/>; <paramref name="arrived"/>, when given, is called with each output
        /// object as it arrives and the time since the script started (a diagnostic: it runs on the pipeline's thread).
        /// </summary>
        public (Collection<PSObject> Output, TimeSpan Elapsed) Time(string script, Action<PSObject, TimeSpan>? arrived, params object?[] args)
        {
            using var ps = PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddScript(script);
            foreach (var arg in args)
            {
                ps.AddArgument(arg);
            }

            var watch = Stopwatch.StartNew();
            Collection<PSObject> output;
            try
            {
                if (arrived == null)
                {
                    output = ps.Invoke();
                }
                else
                {
                    using var collected = new PSDataCollection<PSObject>();
                    collected.DataAdded += (_, e) => arrived(collected[e.Index], watch.Elapsed);
                    ps.Invoke(null, collected);
                    output = new Collection<PSObject>(collected.ToList());
                }
            }
            catch (RuntimeException e)
            {
                throw new InvalidOperationException($"PowerShell failed: {e.Message}", e);
            }

            var elapsed = watch.Elapsed;
            if (ps.Streams.Error.Count > 0)
            {
                var first = ps.Streams.Error.Take(3).Select(e => $"{e.FullyQualifiedErrorId}: {e}");
                throw new InvalidOperationException($"PowerShell wrote {ps.Streams.Error.Count} error(s): {string.Join(" | ", first)}");
            }

            return (output, elapsed);
        }

        /// <summary>Runs PowerShell text and returns its output.</summary>
        public Collection<PSObject> Invoke(string script, params object?[] args) => Time(script, args).Output;

        /// <summary>A PSCredential for the test server's user, made here (ConvertTo-SecureString is not in the hosted engine).</summary>
        public static PSCredential Credential(string user, string password)
        {
            var secure = new System.Security.SecureString();
            foreach (var c in password)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return new PSCredential(user, secure);
        }

        /// <summary>A pipeline input object with the given properties, as [pscustomobject]@{...} makes.</summary>
        public static PSObject Record(IEnumerable<KeyValuePair<string, object?>> properties)
        {
            var record = new PSObject();
            foreach (var pair in properties)
            {
                record.Properties.Add(new PSNoteProperty(pair.Key, pair.Value));
            }

            return record;
        }

        public void Dispose() => _runspace.Dispose();
    }
}
