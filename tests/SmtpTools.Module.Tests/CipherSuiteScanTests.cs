using System;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// Get-SmtpCapability -ScanCipherSuites against the real Postfix, with OpenSSL's client as the oracle: a suite is
    /// accepted exactly when `openssl s_client -cipher X` (or `-ciphersuites X` for TLS 1.3) completes a handshake with it.
    /// </summary>
    public sealed class CipherSuiteScanTests : IClassFixture<ModuleFixture>
    {
        // One scan of the relay port serves every test of the class (xUnit makes an instance per test).
        private static readonly object RelayLock = new object();
        private static PSObject? _relayScan;
        private readonly ModuleFixture _fixture;

        public CipherSuiteScanTests(ModuleFixture fixture) => _fixture = fixture;

        private PSObject Relay
        {
            get
            {
                lock (RelayLock)
                {
                    return _relayScan ??= Scan(Server.Relay);
                }
            }
        }

        private TestServer Server => _fixture.Server;

        // (version, OpenSSL's name for s_client, IANA name): accepted and refused ones, each side of the relay's policy.
        [Theory]
        [InlineData("Tls12", "ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")]
        [InlineData("Tls12", "ADH-AES128-SHA", "TLS_DH_anon_WITH_AES_128_CBC_SHA")]
        [InlineData("Tls12", "AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA")]
        [InlineData("Tls12", "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")]
        [InlineData("Tls12", "DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA")]
        [InlineData("Tls10", "ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA")]
        [InlineData("Tls10", "AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256")]
        [InlineData("Tls13", "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256")]
        [InlineData("Tls13", "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256")]
        public void A_suite_is_reported_accepted_exactly_when_openssl_completes_a_handshake_with_it(string version, string opensslName, string ianaName)
        {
            var opensslAccepts = OpenSslAccepts(Server.Relay, version, opensslName);

            var accepted = Scans(Relay).Single(s => s.Text("Version") == version).Texts("AcceptedCipherSuites");

            Assert.Equal(opensslAccepts, accepted.Contains(ianaName));
        }

        [Fact]
        public void The_relay_port_accepts_every_suite_of_Postfix_defaults_at_each_version_and_lets_the_client_choose()
        {
            var scans = Scans(Relay);

            Assert.Equal(new[] { "Tls10", "Tls11", "Tls12", "Tls13" }, scans.Select(s => s.Text("Version")));
            Assert.All(scans, s => Assert.True((bool)s.Get("IsComplete")!, s.Text("Detail")));
            Assert.All(scans, s => Assert.Equal("Client", s.Text("Order")));
            Assert.Equal(new[] { 16, 16, 56, 3 }, scans.Select(s => (int)s.Get("AcceptedCount")!));
            Assert.True((bool)Relay.Get("CipherSuitesScanned")!);
        }

        [Fact]
        public void Anonymous_suites_accepted_on_the_relay_port_are_a_high_finding_that_names_them()
        {
            var finding = Assert.Single(Items(Relay, "Findings"), f => f.Text("Id") == "CIPHER_ANONYMOUS_ACCEPTED");

            Assert.Equal("High", finding.Text("Severity"));
            Assert.Contains("TLS_DH_anon_WITH_AES_128_CBC_SHA (Tls10, Tls11, Tls12)", finding.Text("Message"));
            Assert.Contains(Items(Relay, "Findings"), f => f.Text("Id") == "CIPHER_NO_FORWARD_SECRECY_ACCEPTED");
        }

        [Fact]
        public void Without_the_switch_there_is_no_cipher_scan_and_no_cipher_finding()
        {
            var run = _fixture.PowerShell.Run("Get-SmtpCapability -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5", Server.Relay, Server.CaFile);

            var report = Assert.Single(run.Output);
            Assert.False((bool)report.Get("CipherSuitesScanned")!);
            Assert.Empty(Items(report, "CipherSuiteScans"));
            Assert.DoesNotContain(Items(report, "Findings"), f => f.Text("Id")!.EndsWith("_ACCEPTED", StringComparison.Ordinal) && f.Text("Id")!.StartsWith("CIPHER_", StringComparison.Ordinal));
        }

        [Fact]
        public void ScanCipherSuites_with_SkipTlsVersionScan_is_refused_before_connecting()
        {
            var run = _fixture.PowerShell.Run("Get-SmtpCapability -ComputerName localhost -Port $args[0] -ScanCipherSuites -SkipTlsVersionScan", Server.Relay);

            Assert.Empty(run.Output);
            Assert.StartsWith("SmtpTools.CipherScanNeedsVersionScan,", Assert.Single(run.Errors).FullyQualifiedErrorId);
        }

        private PSObject Scan(int port)
        {
            var run = _fixture.PowerShell.Run("Get-SmtpCapability -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -ScanCipherSuites", port, Server.CaFile);
            Assert.Empty(run.Errors);
            return Assert.Single(run.Output);
        }

        private static PSObject[] Scans(PSObject report) => Items(report, "CipherSuiteScans");

        private static PSObject[] Items(PSObject report, string property) =>
            ((System.Collections.IEnumerable)report.Get(property)!).Cast<object>().Select(PSObject.AsPSObject).ToArray();

        // One `openssl s_client` handshake offering only that suite at only that version (security level 0, so OpenSSL's
        // own policy does not refuse old suites before the server is asked).
        private static bool OpenSslAccepts(int port, string version, string suite)
        {
            var versionFlag = version switch { "Tls10" => "-tls1", "Tls11" => "-tls1_1", "Tls12" => "-tls1_2", _ => "-tls1_3" };
            var suiteFlags = version == "Tls13" ? $"-ciphersuites {suite}" : $"-cipher {suite}:@SECLEVEL=0";
            var run = ChildProcess.Run(
                "bash",
                new[] { "-c", $"openssl s_client -connect 127.0.0.1:{port} -starttls smtp {versionFlag} {suiteFlags} </dev/null 2>&1" },
                TimeSpan.FromSeconds(20));
            return Regex.IsMatch(run.Output, @"Cipher is (?!\(NONE\))\S+");
        }
    }
}
