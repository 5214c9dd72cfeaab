using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// A session in which another module loaded its own MailKit, MimeKit and BouncyCastle.Cryptography first, then
    /// SmtpTools was imported and used. The default load context is process-wide, so the scenario runs once, in real
    /// pwsh in a child process: tests/assets/Show-DependencyIsolation.ps1 preloads the stand-ins, imports the built
    /// module, probes and sends through the test server; its "Name = value" lines are the facts the tests read.
    /// </summary>
    public sealed class DependencyConflictScenario
    {
        public DependencyConflictScenario()
        {
            var arguments = new List<string>
            {
                "-NoProfile", "-NonInteractive",
                "-File", Path.Combine(Repo.Root, "tests", "assets", "Show-DependencyIsolation.ps1"),
                "-ServerState", Path.Combine(TestServer.Instance.StateDirectory, "server.json"),
                "-ModuleManifest", Repo.ModuleManifest,
                "-Preload", string.Join(",", Repo.ConflictingAssemblies),
            };

            var host = Pwsh.Run(arguments, TimeSpan.FromSeconds(120));
            ExitCode = host.ExitCode;
            Output = host.Output;
            Errors = host.Errors;
            Facts = Output.Split('\n')
                .Select(l => l.TrimEnd('\r'))
                .Where(l => l.Contains(" = ", StringComparison.Ordinal))
                .ToDictionary(l => l[..l.IndexOf(" = ", StringComparison.Ordinal)], l => l[(l.IndexOf(" = ", StringComparison.Ordinal) + 3)..]);
        }

        public int ExitCode { get; }

        public string Output { get; }

        public string Errors { get; }

        public IReadOnlyDictionary<string, string> Facts { get; }

        /// <summary>A fact's value; fails the test with the whole output when the script did not print it.</summary>
        public string Fact(string name) =>
            Facts.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"No fact '{name}' in:\n{Output}\n{Errors}");

        /// <summary>The version the script reports for one of the module's own dependency DLLs (informational, as "4.18.2").</summary>
        public static string ShippedVersion(string assemblyName)
        {
            var path = Path.Combine(Repo.ModuleDirectory, "dependencies", assemblyName + ".dll");
            var informational = FileVersionInfo.GetVersionInfo(path).ProductVersion;
            return string.IsNullOrEmpty(informational) ? System.Reflection.AssemblyName.GetAssemblyName(path).Version!.ToString() : informational.Split('+')[0];
        }
    }
}
