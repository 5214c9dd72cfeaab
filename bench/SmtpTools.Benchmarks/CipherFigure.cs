using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Figure 7: Get-SmtpCapability -ScanCipherSuites on the relay port against nmap's ssl-enum-ciphers
    /// (`nmap -sV --script ssl-enum-ciphers`: -sV makes it speak STARTTLS on a non-standard port) and `testssl -e`:
    /// the same accepted suites per TLS version, our time as a ratio to nmap's (warm, in this process, and in a fresh
    /// pwsh: start, Import-Module, the scan), and what the switch adds to the default audit.
    /// </summary>
    internal static class CipherFigure
    {
        public const string Name = "7 Cipher suites";
        private const string Script = "Get-SmtpCapability -ComputerName $args[0] -Port $args[1] -TrustedCertificate $args[2] -TimeoutSec 10";
        private const string AllVersions = "all";
        private static readonly string[] Versions = { "Tls10", "Tls11", "Tls12", "Tls13" };

        public static FigureReport Run(ModuleRunspace session, TestServerInfo server, BenchmarkOptions options, Action<string> progress)
        {
            var report = new FigureReport(Name);
            var port = server.RelayPort;
            session.Invoke(Script + " -ScanCipherSuites", server.Host, port, server.CaFile); // JIT warm-up
            var nmap = ExternalCommand.Find("nmap");
            var ours = new List<double>();
            var plain = new List<double>();
            var theirs = new List<double>();
            IReadOnlyDictionary<string, SortedSet<string>>? oursSets = null;
            IReadOnlyDictionary<string, SortedSet<string>>? nmapSets = null;
            string oursOrder = "?", nmapOrder = "?";
            for (var i = 0; i < options.Repetitions; i++)
            {
                progress($"{Name}: Get-SmtpCapability -ScanCipherSuites{(nmap != null ? " and nmap" : string.Empty)}, repetition {i + 1} of {options.Repetitions}");
                var (output, elapsed) = session.Time(Script + " -ScanCipherSuites", server.Host, port, server.CaFile);
                ours.Add(elapsed.TotalSeconds);
                (oursSets, oursOrder) = Accepted(output.Single());
                plain.Add(session.Time(Script, server.Host, port, server.CaFile).Elapsed.TotalSeconds);
                if (nmap != null)
                {
                    var run = NmapScan(nmap, port);
                    theirs.Add(run.Elapsed.TotalSeconds);
                    (nmapSets, nmapOrder) = (run.Accepted, run.Order);
                }
            }

            var warm = new Sample(ours);
            var measure = $"{server.Host}:{port}, every accepted suite of TLS 1.0-1.3";
            if (nmap == null)
            {
                report.Add(measure, warm.Format("0.000", "s"), "nmap: not installed (run `bash tests/server/smtp-test-server.sh install-peers`)", null, Target.AtMost(1.0, "1 (faster)"));
            }
            else
            {
                var nmapTime = new Sample(theirs);
                report.Add(measure + ", warm", warm.Format("0.000", "s"), "nmap -sV --script ssl-enum-ciphers: " + nmapTime.Format("0.00", "s"), warm.Median / nmapTime.Median, Target.AtMost(1.0, "1 (faster)"));
                var fresh = FreshProcess(server, port, options, progress);
                if (fresh != null)
                {
                    report.Add(measure + ", fresh pwsh", fresh.Value.Total.Format("0.00", "s"), "nmap, same run: " + nmapTime.Format("0.00", "s"), fresh.Value.Total.Median / nmapTime.Median, Target.None);
                    report.Notes.Add($"Fresh process: pwsh start to exit {fresh.Value.Total.Format("0.00", "s")}, of which Import-Module {fresh.Value.Import.Format("0", "ms")} and the audit with its cipher scan {fresh.Value.Scan.Format("0", "ms")} (the rest is pwsh's own start-up and exit).");
                }

                AddAgreement(report, "accepted suites vs nmap", oursSets!, nmapSets!, "nmap", Versions);
                report.Notes.Add($"Order: ours {oursOrder}; nmap's 'cipher preference' {nmapOrder}.");
            }

            var defaultAudit = new Sample(plain);
            report.Add("what -ScanCipherSuites adds to the default audit", warm.Format("0.000", "s"), "default audit (version scan only): " + defaultAudit.Format("0.000", "s"), warm.Median / defaultAudit.Median, Target.None);

            var testssl = ExternalCommand.Find("testssl") ?? ExternalCommand.Find("testssl.sh");
            if (testssl == null)
            {
                report.Notes.Add("testssl -e: " + TestSslScan.InstallHint);
                return report;
            }

            progress($"{Name}: testssl --starttls smtp -e, once");
            var (testsslSets, testsslTime) = TestSslCiphers(testssl, server, port);
            report.Add(measure + ", warm", warm.Format("0.000", "s"), $"testssl --starttls smtp -e (once): {testsslTime.TotalSeconds:0.0} s", warm.Median / testsslTime.TotalSeconds, Target.None);
            AddAgreement(report, "accepted suites (all versions) vs testssl -e", Union(oursSets!), testsslSets, "testssl", new[] { AllVersions });
            return report;
        }

        private static void AddAgreement(FigureReport report, string what, IReadOnlyDictionary<string, SortedSet<string>> ours, IReadOnlyDictionary<string, SortedSet<string>> theirs, string tool, IReadOnlyList<string> versions)
        {
            var differences = new List<string>();
            foreach (var version in versions)
            {
                var a = ours.TryGetValue(version, out var x) ? x : new SortedSet<string>();
                var b = theirs.TryGetValue(version, out var y) ? y : new SortedSet<string>();
                differences.AddRange(a.Except(b).Select(s => $"{version} {s} only ours"));
                differences.AddRange(b.Except(a).Select(s => $"{version} {s} only {tool}"));
            }

            string Counts(IReadOnlyDictionary<string, SortedSet<string>> sets) => string.Join(" ", versions.Select(v => sets.TryGetValue(v, out var s) ? s.Count : 0));
            report.Add(what, Counts(ours), $"{tool}: {Counts(theirs)}", null, Target.Agreement, differences.Count == 0 ? 1 : 0);
            report.Notes.Add($"Accepted suites ({string.Join(" ", versions)}): ours {Counts(ours)}, {tool} {Counts(theirs)}: " + (differences.Count == 0 ? "the same suites." : "DIFFERENT: " + string.Join("; ", differences)));
        }

        private static (IReadOnlyDictionary<string, SortedSet<string>> Sets, string Order) Accepted(PSObject report)
        {
            var sets = new Dictionary<string, SortedSet<string>>();
            var orders = new List<string>();
            foreach (var scan in ((System.Collections.IEnumerable)report.Properties["CipherSuiteScans"].Value).Cast<object>().Select(PSObject.AsPSObject))
            {
                var version = scan.Properties["Version"].Value.ToString()!;
                var names = ((System.Collections.IEnumerable)scan.Properties["AcceptedCipherSuites"].Value).Cast<object>().Select(s => s.ToString()!);
                sets[version] = new SortedSet<string>(names, StringComparer.Ordinal);
                orders.Add($"{version} {scan.Properties["Order"].Value}");
            }

            return (sets, string.Join(", ", orders));
        }

        private sealed class NmapRun
        {
            public TimeSpan Elapsed { get; set; }

            public IReadOnlyDictionary<string, SortedSet<string>> Accepted { get; set; } = new Dictionary<string, SortedSet<string>>();

            public string Order { get; set; } = "?";
        }

        // nmap's XML: <table key="TLSv1.2"><table key="ciphers"><table><elem key="name">TLS_...</elem>...
        private static NmapRun NmapScan(string nmap, int port)
        {
            var xml = Path.Combine(Path.GetTempPath(), "smtptools-bench", $"nmap-{port}.xml");
            Directory.CreateDirectory(Path.GetDirectoryName(xml)!);
            File.Delete(xml);
            var run = ExternalCommand.Run(nmap, new[] { "-sV", "--script", "ssl-enum-ciphers", "-p", port.ToString(CultureInfo.InvariantCulture), "127.0.0.1", "-oX", xml }, TimeSpan.FromMinutes(3));
            if (run.TimedOut || !File.Exists(xml))
            {
                throw new InvalidOperationException(run.Describe("nmap"));
            }

            var sets = new Dictionary<string, SortedSet<string>>();
            var orders = new List<string>();
            foreach (var table in XDocument.Load(xml).Descendants("table").Where(t => ((string?)t.Attribute("key") ?? string.Empty).StartsWith("TLSv1", StringComparison.Ordinal)))
            {
                var version = "Tls1" + ((string)table.Attribute("key")!).Substring(6).Replace(".", string.Empty, StringComparison.Ordinal);
                version = version == "Tls1" ? "Tls10" : version; // "TLSv1.0" -> Tls10, "TLSv1.2" -> Tls12
                var names = table.Elements("table").Where(t => (string?)t.Attribute("key") == "ciphers")
                    .SelectMany(c => c.Descendants("elem").Where(e => (string?)e.Attribute("key") == "name").Select(e => e.Value))
                    .Select(n => n.Replace("TLS_AKE_WITH_", "TLS_", StringComparison.Ordinal)); // nmap's names for the TLS 1.3 suites
                sets[version] = new SortedSet<string>(names, StringComparer.Ordinal);
                orders.Add($"{version} {table.Elements("elem").FirstOrDefault(e => (string?)e.Attribute("key") == "cipher preference")?.Value ?? "?"}");
            }

            return new NmapRun { Elapsed = run.Elapsed, Accepted = sets, Order = string.Join(", ", orders) };
        }

        // testssl -e tests each suite across all versions at once: one finding per accepted suite, id "cipher_xc02f",
        // the IANA name last in the finding. So it gives the union over versions, compared with ours under "all".
        private static (IReadOnlyDictionary<string, SortedSet<string>> Sets, TimeSpan Elapsed) TestSslCiphers(string testssl, TestServerInfo server, int port)
        {
            var json = Path.Combine(Path.GetTempPath(), "smtptools-bench", $"testssl-{port}-e.json");
            File.Delete(json);
            var run = ExternalCommand.Run(testssl, new[] { "--quiet", "--color", "0", "--warnings", "off", "-n", "none", "--starttls", "smtp", "--add-ca", server.CaFile, "--jsonfile", json, "-e", $"{server.Host}:{port.ToString(CultureInfo.InvariantCulture)}" }, TimeSpan.FromMinutes(10));
            if (run.TimedOut || !File.Exists(json))
            {
                throw new InvalidOperationException(run.Describe("testssl"));
            }

            var all = new SortedSet<string>(StringComparer.Ordinal);
            using var document = JsonDocument.Parse(File.ReadAllText(json));
            foreach (var finding in document.RootElement.EnumerateArray())
            {
                if (!Regex.IsMatch(finding.GetProperty("id").GetString() ?? string.Empty, @"^cipher_x[0-9a-f]+$"))
                {
                    continue;
                }

                var name = (finding.GetProperty("finding").GetString() ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(w => w.StartsWith("TLS_", StringComparison.Ordinal));
                if (name != null)
                {
                    all.Add(name);
                }
            }

            return (new Dictionary<string, SortedSet<string>> { [AllVersions] = all }, run.Elapsed);
        }

        private static IReadOnlyDictionary<string, SortedSet<string>> Union(IReadOnlyDictionary<string, SortedSet<string>> sets) =>
            new Dictionary<string, SortedSet<string>> { [AllVersions] = new SortedSet<string>(sets.Values.SelectMany(s => s), StringComparer.Ordinal) };

        // A fresh pwsh each time: its start, Import-Module and the audit with the cipher scan, as a scheduled task pays them.
        private static (Sample Total, Sample Import, Sample Scan)? FreshProcess(TestServerInfo server, int port, BenchmarkOptions options, Action<string> progress)
        {
            var pwsh = ExternalCommand.Find("pwsh");
            var program = pwsh ?? "dotnet";
            var prefix = pwsh == null ? new[] { "pwsh" } : Array.Empty<string>();
            const string Command = "$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module -Name $env:SMTPTOOLS_BENCH_MODULE -ErrorAction Stop; $i = $w.Elapsed.TotalMilliseconds; $w.Restart(); $null = Get-SmtpCapability -ComputerName $env:SMTPTOOLS_BENCH_HOST -Port $env:SMTPTOOLS_BENCH_PORT -TrustedCertificate $env:SMTPTOOLS_BENCH_CA -TimeoutSec 10 -ScanCipherSuites -ErrorAction Stop; 'import={0:0} scan={1:0}' -f $i, $w.Elapsed.TotalMilliseconds";
            var environment = new Dictionary<string, string>
            {
                ["SMTPTOOLS_BENCH_MODULE"] = Repo.ModuleManifest,
                ["SMTPTOOLS_BENCH_HOST"] = server.Host,
                ["SMTPTOOLS_BENCH_PORT"] = port.ToString(CultureInfo.InvariantCulture),
                ["SMTPTOOLS_BENCH_CA"] = server.CaFile,
            };
            var total = new List<double>();
            var import = new List<double>();
            var scan = new List<double>();
            for (var i = 0; i < options.Repetitions; i++)
            {
                progress($"{Name}: fresh pwsh, repetition {i + 1} of {options.Repetitions}");
                var run = ExternalCommand.Run(program, prefix.Concat(new[] { "-NoProfile", "-NonInteractive", "-Command", Command }), TimeSpan.FromMinutes(2), environment);
                var match = Regex.Match(run.StandardOutput, @"import=(\d+) scan=(\d+)");
                if (run.TimedOut || !match.Success)
                {
                    progress($"{Name}: fresh pwsh failed: {run.Describe("pwsh")}");
                    return null;
                }

                total.Add(run.Elapsed.TotalSeconds);
                import.Add(double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
                scan.Add(double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture));
            }

            return (new Sample(total), new Sample(import), new Sample(scan));
        }
    }
}
