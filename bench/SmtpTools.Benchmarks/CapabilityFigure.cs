using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Figure 3: Get-SmtpCapability with its TLS-version scan against testssl.sh (`--starttls smtp`) on the relay port:
    /// time ratio, and whether both find the same TLS versions and judge the certificate alike.
    /// </summary>
    internal static class CapabilityFigure
    {
        public const string Name = "3 Capability audit";
        private static readonly Target TimeTarget = Target.AtMost(1.0 / 30, "1/30");

        public static FigureReport Run(ModuleRunspace session, TestServerInfo server, BenchmarkOptions options, Action<string> progress)
        {
            var report = new FigureReport(Name);
            var port = server.RelayPort;
            const string Script = "Get-SmtpCapability -ComputerName $args[0] -Port $args[1] -TrustedCertificate $args[2] -TimeoutSec 10";
            session.Invoke(Script, server.Host, port, server.CaFile); // JIT warm-up
            var seconds = new List<double>();
            PSObject? last = null;
            for (var i = 0; i < options.Repetitions; i++)
            {
                progress($"{Name}: Get-SmtpCapability, repetition {i + 1} of {options.Repetitions}");
                var (output, elapsed) = session.Time(Script, server.Host, port, server.CaFile);
                last = output.Single();
                seconds.Add(elapsed.TotalSeconds);
            }

            var ours = new Sample(seconds);
            var oursVersions = ((System.Collections.IEnumerable)last!.Properties["AcceptedTlsVersions"].Value).Cast<object>().Select(v => v.ToString()!).OrderBy(v => v, StringComparer.Ordinal).ToList();
            var certificate = PSObject.AsPSObject(last.Properties["Certificate"].Value);
            var oursAcceptable = (bool)certificate.Properties["IsAcceptable"].Value;
            var oursVerdict = certificate.Properties["Verdict"].Value?.ToString() ?? "?";
            var measure = $"{server.Host}:{port}, TLS versions scanned";
            var oursText = ours.Format("0.000", "s");

            var testssl = ExternalCommand.Find("testssl") ?? ExternalCommand.Find("testssl.sh");
            if (testssl == null)
            {
                report.Add(measure, oursText, "testssl -p: " + TestSslScan.InstallHint, null, TimeTarget);
                report.Notes.Add($"Ours found {string.Join(", ", oursVersions)}; certificate {oursVerdict}.");
                return report;
            }

            var protocolRuns = new List<TestSslScan>();
            var protocolRepetitions = options.Quick ? 1 : 3;
            for (var i = 0; i < protocolRepetitions; i++)
            {
                progress($"{Name}: testssl --starttls smtp -p, repetition {i + 1} of {protocolRepetitions}");
                protocolRuns.Add(TestSslScan.Run(testssl, server, port, "-p", TimeSpan.FromMinutes(3)));
            }

            var protocols = new Sample(protocolRuns.Select(r => r.Elapsed.TotalSeconds));
            report.Add(measure, oursText, "testssl --starttls smtp -p: " + protocols.Format("0.0", "s"), ours.Median / protocols.Median, TimeTarget);
            var versionsAgree = protocolRuns.All(r => r.OfferedVersions.SequenceEqual(oursVersions));
            report.Add("accepted TLS versions", string.Join(" ", oursVersions), "testssl -p: " + string.Join(" ", protocolRuns[0].OfferedVersions), null, Target.Agreement, versionsAgree ? 1 : 0);
            report.Notes.Add($"TLS versions: ours {string.Join(", ", oursVersions)}; testssl {string.Join(", ", protocolRuns[0].OfferedVersions)}{(protocolRuns[0].LegacyOffered.Count > 0 ? " (and " + string.Join(", ", protocolRuns[0].LegacyOffered) + ", which we do not scan)" : string.Empty)}: {(versionsAgree ? "they agree" : "they DISAGREE")}.");

            if (options.Quick)
            {
                report.Notes.Add("--quick skips testssl's certificate check (-S, about 30 s), so the certificate verdicts are not compared.");
                return report;
            }

            progress($"{Name}: testssl --starttls smtp -S (certificate), once");
            var defaults = TestSslScan.Run(testssl, server, port, "-S", TimeSpan.FromMinutes(3));
            AddCertificateAgreement(report, oursVerdict, oursAcceptable, defaults, "-S");
            if (!options.FullTestSsl)
            {
                report.Notes.Add("testssl's full scan (150-200 s on an idle machine, about 8 minutes on a busy one) runs only with --full-testssl.");
                return report;
            }

            progress($"{Name}: testssl --starttls smtp, full scan (takes minutes), once");
            var full = TestSslScan.Run(testssl, server, port, string.Empty, TimeSpan.FromMinutes(15));
            report.Add(measure, oursText, $"testssl --starttls smtp (full, once): {full.Elapsed.TotalSeconds:0} s", ours.Median / full.Elapsed.TotalSeconds, TimeTarget);
            AddCertificateAgreement(report, oursVerdict, oursAcceptable, full, "full");
            report.Notes.Add($"The full scan found TLS versions {string.Join(", ", full.OfferedVersions)}: {(full.OfferedVersions.SequenceEqual(oursVersions) ? "the same" : "DIFFERENT")}.");
            return report;
        }

        private static void AddCertificateAgreement(FigureReport report, string oursVerdict, bool oursAcceptable, TestSslScan scan, string scope)
        {
            var agree = scan.CertificateAcceptable == oursAcceptable;
            var theirs = scan.CertificateAcceptable == true ? "trusted" : scan.CertificateAcceptable == false ? "not trusted" : "?";
            report.Add("certificate verdict", oursVerdict, $"testssl {scope}: {theirs}", null, Target.Agreement, agree ? 1 : 0);
            report.Notes.Add($"Certificate: ours {oursVerdict} (acceptable: {oursAcceptable}); testssl {scope} with --add-ca, {scan.CertificateText}: {(agree ? "they agree" : "they DISAGREE")}.");
        }
    }
}
