using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>One rule set: every cmdlet tells the same story about the same endpoint.</summary>
    public sealed class EndpointAgreementTests : IClassFixture<ModuleFixture>
    {
        // Only Get-SmtpCapability scans TLS versions; these findings need that scan and never change a rating.
        private static readonly string[] VersionScanFindings = { "TLS10_ACCEPTED", "TLS11_ACCEPTED", "TLS13_UNSUPPORTED", "MODERN_TLS_UNSUPPORTED" };

        private readonly ModuleFixture _fixture;

        public EndpointAgreementTests(ModuleFixture fixture) => _fixture = fixture;

        [Fact]
        public void Test_SmtpPort_its_recommendation_and_Get_SmtpCapability_agree_on_rating_and_findings_of_every_listener()
        {
            var server = _fixture.Server;
            var ports = server.Ports.Values.OrderBy(p => p).ToArray();
            var run = _fixture.PowerShell.Run(
                "$ports = $args[0]; $ca = $args[1]; " +
                "Test-SmtpPort localhost -Port $ports -TrustedCertificate $ca -TimeoutSec 10 -InputOrder; " +
                "Test-SmtpPort localhost -Port $ports -TrustedCertificate $ca -TimeoutSec 10 -Recommended -ErrorAction SilentlyContinue; " +
                "foreach ($p in $ports) { Get-SmtpCapability localhost -Port $p -TrustedCertificate $ca -TimeoutSec 10 }",
                ports, server.CaFile);

            Assert.Empty(run.Errors);
            var probes = run.Output.Where(o => o.TypeName() == "SmtpTools.SmtpPortResult").ToDictionary(o => (int)o.Get("Port")!);
            var ranked = Items(run.Output.Single(o => o.TypeName() == "SmtpTools.SmtpSubmissionRecommendation"), "RankedEndpoints").ToDictionary(o => (int)o.Get("Port")!);
            var reports = run.Output.Where(o => o.TypeName() == "SmtpTools.SmtpCapabilityReport").ToDictionary(o => (int)o.Get("Port")!);
            Assert.Equal(ports, probes.Keys.OrderBy(p => p));
            Assert.Equal(ports, reports.Keys.OrderBy(p => p));

            foreach (var (name, port) in server.Ports)
            {
                var probe = probes[port];
                var report = reports[port];
                Assert.True(probe.Text("Rating") == report.Text("Rating"), $"{name}: Test-SmtpPort rates it {probe.Text("Rating")}, Get-SmtpCapability {report.Text("Rating")}.");
                Assert.Equal(probe.Text("Rating"), ranked[port].Text("Rating"));
                var probed = Ids(probe);
                var audited = Ids(report).Except(VersionScanFindings).ToArray();
                Assert.True(probed.SequenceEqual(audited), $"{name}: Test-SmtpPort finds [{string.Join(", ", probed)}], Get-SmtpCapability [{string.Join(", ", audited)}].");
                if (Items(report, "Findings").Any(f => f.Text("Severity") == "High" || f.Text("Severity") == "Critical"))
                {
                    Assert.True(probe.Text("Rating") != "Preferred" && probe.Text("Rating") != "Acceptable", $"{name} has a High finding but is rated {probe.Text("Rating")}.");
                }
            }

            // An RSA 1024-bit key is refused by default, as Send-SecureMail refuses it (-SkipCertificateStrengthCheck rates it Insecure).
            Assert.Equal("Unusable", probes[server.Ports["weakKey"]].Text("Rating"));
            Assert.Equal("WeakKey", probes[server.Ports["weakKey"]].Text("Certificate.Problems"));
            Assert.Equal("Acceptable", probes[server.Ports["expiring"]].Text("Rating"));
            Assert.Contains("CERT_EXPIRING", probes[server.Ports["expiring"]].Text("RatingReason"));
            Assert.Equal("Preferred", probes[server.Ports["submissions"]].Text("Rating"));
        }

        private static string[] Ids(PSObject result) => Items(result, "Findings").Select(f => f.Text("Id")!).ToArray();

        private static PSObject[] Items(PSObject result, string property) =>
            ((IEnumerable)result.Get(property)!).Cast<object>().Select(PSObject.AsPSObject).ToArray();
    }
}
