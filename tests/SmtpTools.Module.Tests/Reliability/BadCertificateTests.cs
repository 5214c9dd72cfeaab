using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// A STARTTLS server presenting each kind of bad certificate (the real server's bad-certificate ports are all implicit
    /// TLS): the credential never leaves, nothing is sent, and the probes say why.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class BadCertificateTests : IClassFixture<ModuleFixture>
    {
        private const string Password = "BadCert-SECRET-pw-58e2";

        private static readonly Dictionary<string, Func<ServerChain>> Certificates = new Dictionary<string, Func<ServerChain>>
        {
            ["expired"] = () => Alone(TestCertificates.Expired),
            ["for another host"] = () => Alone(TestCertificates.WrongHost),
            ["from an untrusted CA"] = () => Alone(TestCertificates.Untrusted),
            ["self-signed"] = () => Alone(TestCertificates.SelfSigned),
            ["with an expired intermediate"] = () => TestCertificates.ExpiredIntermediate,
            ["with a not yet valid intermediate"] = () => TestCertificates.NotYetValidIntermediate,
            ["from an expired trusted root"] = () => TestCertificates.ExpiredRoot,
            ["issued for client authentication only"] = () => Alone(TestCertificates.ClientAuthOnly),
        };

        private readonly ModuleFixture _fixture;

        public BadCertificateTests(ModuleFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> CertificateNames => Certificates.Keys.Select(k => new object[] { k });

        [Theory]
        [MemberData(nameof(CertificateNames))]
        public void Send_SecureMail_sends_neither_credential_nor_message_past_a_bad_certificate(string certificate)
        {
            using var scenario = ReliabilityTally.Scenario("bad certificate, Send-SecureMail -Credential: " + certificate);
            var chain = Certificates[certificate]();
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = chain.Leaf, Intermediates = chain.Intermediates });
            var run = Run("Send-SecureMail -From carol@fake.test -To dave@fake.test -Subject cert -SmtpServer 127.0.0.1 -Port $args[1] -Credential $cred -TrustedCertificate $args[2] -RetryCount 0 -PassThru -Verbose -Debug", server, chain);

            scenario.Leaked(Leaks(run, server));
            scenario.Hostile(HostileCase.CertificateRefused, run.Output.Count == 1 && run.Output[0].Text("Status") == "Failed" && !server.Commands.Any(c => c.Tls));
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Equal(new[] { "SmtpTools.CertificateRejected" }, ReliabilityChecks.Ids(run));
            Assert.Equal("Failed", Assert.Single(run.Output).Text("Status"));
            Assert.DoesNotContain(server.Commands, c => c.Tls);
            Assert.Equal(0, Leaks(run, server));
            scenario.Survived();
        }

        [Theory]
        [MemberData(nameof(CertificateNames))]
        public void Get_SmtpCapability_withholds_the_credential_and_reports_the_certificate(string certificate)
        {
            using var scenario = ReliabilityTally.Scenario("bad certificate, Get-SmtpCapability -Credential: " + certificate);
            var chain = Certificates[certificate]();
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = chain.Leaf, Intermediates = chain.Intermediates });
            var run = Run("Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[1] -Credential $cred -TrustedCertificate $args[2] -SkipTlsVersionScan -Verbose -Debug", server, chain);

            scenario.Leaked(Leaks(run, server));
            scenario.Hostile(HostileCase.CertificateRefused, !server.Commands.Any(c => c.Line.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase)));
            ReliabilityChecks.ErrorsAreActionable(run);
            var report = Assert.Single(run.Output);
            Assert.Equal("WithheldCertificateRejected", report.Text("AuthenticationResult"));
            Assert.NotEqual("valid", report.Text("Certificate.Verdict"));
            Assert.Contains("SmtpTools.CertificateRejected", ReliabilityChecks.Ids(run));
            Assert.DoesNotContain(server.Commands, c => c.Line.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase));
            Assert.Equal(0, Leaks(run, server));
            scenario.Survived();
        }

        [Theory]
        [MemberData(nameof(CertificateNames))]
        public void Test_SmtpPort_reports_TLS_failed_and_never_recommends_the_port(string certificate)
        {
            using var scenario = ReliabilityTally.Scenario("bad certificate, Test-SmtpPort: " + certificate);
            var chain = Certificates[certificate]();
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = chain.Leaf, Intermediates = chain.Intermediates });
            var run = Run("Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[1] -TrustedCertificate $args[2]", server, chain);

            scenario.Hostile(HostileCase.CertificateRefused, run.Output.Count == 1 && run.Output[0].Text("Rating") == "Unusable");
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("TlsFailed", result.Text("Status"));
            Assert.NotEqual("valid", result.Text("Certificate.Verdict"));
            Assert.Equal("Unusable", result.Text("Rating"));
            Assert.NotEqual("None", result.Text("Certificate.Problems"));
            scenario.Survived();
        }

        // What each problem's advice must say, and advice that would not help with it.
        public static TheoryData<string, string> AdviceFor => new TheoryData<string, string>
        {
            { "expired", "must renew it" },
            { "for another host", "as a subject alternative name" },
            { "from an untrusted CA", "give the company's CA with -TrustedCertificate" },
            { "self-signed", "pin it with Send-SecureMail -CertificateThumbprint" },
            { "with an expired intermediate", "A CA certificate of its chain is outside its validity dates" },
            { "with a not yet valid intermediate", "A CA certificate of its chain is outside its validity dates" },
            { "from an expired trusted root", "A CA certificate of its chain is outside its validity dates" },
            { "issued for client authentication only", "lacks serverAuth" },
        };

        [Theory]
        [MemberData(nameof(AdviceFor))]
        public void Each_certificate_problem_gets_its_own_advice_from_every_cmdlet(string certificate, string advice)
        {
            var chain = Certificates[certificate]();
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = chain.Leaf, Intermediates = chain.Intermediates });
            var send = Run("Send-SecureMail -From carol@fake.test -To dave@fake.test -Subject cert -SmtpServer 127.0.0.1 -Port $args[1] -TrustedCertificate $args[2] -RetryCount 0", server, chain);
            var probe = Run("Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[1] -TrustedCertificate $args[2]", server, chain);
            var audit = Run("Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[1] -Credential $cred -TrustedCertificate $args[2] -SkipTlsVersionScan", server, chain);

            var texts = new[]
            {
                Assert.Single(send.Errors).ToString(),
                Assert.Single(probe.Output).Text("ErrorMessage")!,
                Assert.Single(audit.Output).Text("AuthenticationMessage")!,
            };
            foreach (var text in texts)
            {
                Assert.True(text.Contains(advice, StringComparison.Ordinal), text);
                if (certificate != "self-signed")
                {
                    // Pinning hides a problem instead of naming what would fix it; only a self-signed server needs it.
                    Assert.DoesNotContain("-CertificateThumbprint", text);
                }
            }

            // Test-SmtpPort names the fix before the way around it.
            var probeText = texts[1];
            Assert.True(probeText.IndexOf("-SkipCertificateCheck", StringComparison.Ordinal) > probeText.IndexOf(advice, StringComparison.Ordinal), probeText);
        }

        private static ServerChain Alone(X509Certificate2 leaf) => new ServerChain(leaf, Array.Empty<X509Certificate2>(), TestCertificates.Authority);

        private PowerShellRun Run(string script, FakeSmtpServer server, ServerChain chain) => _fixture.PowerShell.Run(
            "$cred = [pscredential]::new('carol@fake.test', [System.Net.NetworkCredential]::new('', $args[0]).SecurePassword); " + script,
            Password, server.Port, chain.Trust);

        // The server saw no credential (not in clear, not inside TLS), and no stream, error or log shows one.
        private static int Leaks(PowerShellRun run, FakeSmtpServer server)
        {
            var forms = SecretForms.OfPassword("carol@fake.test", Password);
            var commands = System.Text.Encoding.UTF8.GetBytes(string.Join("\n", server.Commands.Select(c => c.Line)));
            return SecretForms.CountHits(server.ReceivedInClear, forms) + SecretForms.CountHits(commands, forms) + ReliabilityChecks.SecretHits(new[] { run }, forms);
        }
    }
}
