using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// The downgrade attack: a proxy in front of the real Postfix submission port removes STARTTLS from the EHLO reply.
    /// Nothing secret may cross it, and nothing may call the port safe.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class StrippedStartTlsTests : IClassFixture<ModuleFixture>
    {
        private const string Token = "ya29.reliability-SECRET-token-6d1f0c";

        private readonly ModuleFixture _fixture;

        public StrippedStartTlsTests(ModuleFixture fixture) => _fixture = fixture;

        private TestServer Server => _fixture.Server;

        private StartTlsStrippingProxy ProxyToSubmission() => new StartTlsStrippingProxy(new IPEndPoint(IPAddress.Loopback, Server.Submission));

        // Counts every secret form the proxy saw from the client and every one in the run's streams (and log files) into
        // the tally first, so a leak is counted even when an assertion fails; then requires that STARTTLS really was
        // stripped, that no AUTH command crossed the proxy, and that both counts are zero.
        private static void AssertNothingSecretCrossed(ReliabilityScenario scenario, StartTlsStrippingProxy proxy, PowerShellRun run, IReadOnlyList<string> forms, params string[] logs)
        {
            var onTheWire = SecretForms.CountHits(proxy.ClientBytes, forms);
            var inStreams = ReliabilityChecks.SecretHits(new[] { run }, forms, logs);
            scenario.Leaked(onTheWire + inStreams);
            Assert.True(proxy.StrippedCount > 0, "The proxy never saw a STARTTLS to strip.");
            Assert.DoesNotContain("AUTH", proxy.ClientText, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(0, onTheWire);
            Assert.Equal(0, inStreams);
        }

        [Fact]
        public void Send_SecureMail_with_a_credential_refuses_a_stripped_STARTTLS_and_writes_no_secret_byte()
        {
            using var scenario = ReliabilityTally.Scenario("stripped STARTTLS: Send-SecureMail -Credential");
            using var proxy = ProxyToSubmission();
            var log = Path.GetTempFileName();
            try
            {
                var run = _fixture.PowerShell.Run(
                    "$cred = [pscredential]::new($args[0], [System.Net.NetworkCredential]::new('', $args[1]).SecurePassword); " +
                    "Send-SecureMail -From $args[0] -To $args[0] -Subject downgrade -SmtpServer 127.0.0.1 -Port $args[2] -Credential $cred -TrustedCertificate $args[3] -ProtocolLog $args[4] -RetryCount 0 -PassThru -Verbose -Debug",
                    Server.User, Server.Password, proxy.Port, Server.CaFile, log);

                AssertNothingSecretCrossed(scenario, proxy, run, SecretForms.OfPassword(Server.User, Server.Password), log);
                Assert.Equal(new[] { "SmtpTools.StartTlsNotOffered" }, ReliabilityChecks.Ids(run));
                ReliabilityChecks.ErrorsAreActionable(run);
                Assert.Equal("Failed", Assert.Single(run.Output).Text("Status"));
                Assert.DoesNotContain("MAIL FROM", proxy.ClientText, StringComparison.OrdinalIgnoreCase);
                scenario.Survived();
            }
            finally
            {
                File.Delete(log);
            }
        }

        [Fact]
        public void Send_SecureMail_with_an_access_token_refuses_a_stripped_STARTTLS_and_writes_no_token_byte()
        {
            using var scenario = ReliabilityTally.Scenario("stripped STARTTLS: Send-SecureMail -AccessToken");
            using var proxy = ProxyToSubmission();
            var run = _fixture.PowerShell.Run(
                "Send-SecureMail -From $args[0] -To $args[0] -Subject downgrade -SmtpServer 127.0.0.1 -Port $args[1] -AccessToken $args[2] -TrustedCertificate $args[3] -RetryCount 0 -PassThru -Verbose -Debug",
                Server.User, proxy.Port, Token, Server.CaFile);

            AssertNothingSecretCrossed(scenario, proxy, run, SecretForms.OfToken(Server.User, Token));
            Assert.Equal(new[] { "SmtpTools.StartTlsNotOffered" }, ReliabilityChecks.Ids(run));
            ReliabilityChecks.ErrorsAreActionable(run);
            scenario.Survived();
        }

        [Fact]
        public void Test_SmtpPort_reports_a_stripped_port_as_plaintext_and_never_recommends_it()
        {
            using var scenario = ReliabilityTally.Scenario("stripped STARTTLS: Test-SmtpPort");
            using var proxy = ProxyToSubmission();
            var run = _fixture.PowerShell.Run(
                "Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1]; Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -Recommended",
                proxy.Port, Server.CaFile);

            Assert.True(proxy.StrippedCount > 0, "The proxy never saw a STARTTLS to strip.");
            var result = Assert.Single(run.Output);
            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("PlainOnly", result.Text("Security"));
            Assert.Equal("Insecure", result.Text("Rating"));
            Assert.Equal(new[] { "SmtpTools.NoSubmissionEndpoint" }, ReliabilityChecks.Ids(run)); // -Recommended finds nothing fit
            ReliabilityChecks.ErrorsAreActionable(run);
            scenario.Survived();
        }

        [Fact]
        public void Get_SmtpCapability_reports_no_TLS_and_withholds_the_credential_from_a_stripped_port()
        {
            using var scenario = ReliabilityTally.Scenario("stripped STARTTLS: Get-SmtpCapability -Credential");
            using var proxy = ProxyToSubmission();
            var run = _fixture.PowerShell.Run(
                "$cred = [pscredential]::new($args[0], [System.Net.NetworkCredential]::new('', $args[1]).SecurePassword); " +
                "Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[2] -Credential $cred -TrustedCertificate $args[3] -Verbose -Debug",
                Server.User, Server.Password, proxy.Port, Server.CaFile);

            AssertNothingSecretCrossed(scenario, proxy, run, SecretForms.OfPassword(Server.User, Server.Password));
            var report = Assert.Single(run.Output);
            Assert.Equal("PlainOnly", report.Text("Security"));
            Assert.Contains("NO_TLS", ((System.Collections.IEnumerable)report.Get("Findings")!).Cast<object>().Select(f => System.Management.Automation.PSObject.AsPSObject(f).Text("Id")));
            Assert.Equal("WithheldNotEncrypted", report.Text("AuthenticationResult"));
            Assert.Equal(new[] { "SmtpTools.EncryptionRequired" }, ReliabilityChecks.Ids(run));
            ReliabilityChecks.ErrorsAreActionable(run);
            scenario.Survived();
        }

        [Fact]
        public void A_server_that_offers_AUTH_before_TLS_still_gets_the_credential_only_inside_TLS()
        {
            using var scenario = ReliabilityTally.Scenario("AUTH advertised before TLS: Send-SecureMail -Credential");
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, AuthBeforeTls = true });
            const string password = "Reliability-SECRET-pw-41";
            var run = _fixture.PowerShell.Run(
                "$cred = [pscredential]::new('carol@fake.test', [System.Net.NetworkCredential]::new('', $args[0]).SecurePassword); " +
                "Send-SecureMail -From carol@fake.test -To dave@fake.test -Subject early-auth -SmtpServer 127.0.0.1 -Port $args[1] -Credential $cred -TrustedCertificate $args[2] -PassThru -Verbose -Debug",
                password, server.Port, TestCertificates.Authority);

            var forms = SecretForms.OfPassword("carol@fake.test", password);
            scenario.Leaked(SecretForms.CountHits(server.ReceivedInClear, forms) + ReliabilityChecks.SecretHits(new[] { run }, forms));
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Empty(run.Errors);
            Assert.Equal("Sent", Assert.Single(run.Output).Text("Status"));
            Assert.Contains(server.Commands, c => c.Line.StartsWith("STARTTLS", StringComparison.Ordinal) && !c.Tls);
            Assert.All(server.Commands.Where(c => c.Line.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase)), c => Assert.True(c.Tls, "AUTH was sent in clear."));
            Assert.Equal(0, SecretForms.CountHits(server.ReceivedInClear, forms));
            Assert.Equal(0, ReliabilityChecks.SecretHits(new[] { run }, forms));
            scenario.Survived();
        }
    }
}
