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

        private static readonly Dictionary<string, Func<X509Certificate2>> Certificates = new Dictionary<string, Func<X509Certificate2>>
        {
            ["expired"] = () => TestCertificates.Expired,
            ["for another host"] = () => TestCertificates.WrongHost,
            ["from an untrusted CA"] = () => TestCertificates.Untrusted,
            ["self-signed"] = () => TestCertificates.SelfSigned,
        };

        private readonly ModuleFixture _fixture;

        public BadCertificateTests(ModuleFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> CertificateNames => Certificates.Keys.Select(k => new object[] { k });

        [Theory]
        [MemberData(nameof(CertificateNames))]
        public void Send_SecureMail_sends_neither_credential_nor_message_past_a_bad_certificate(string certificate)
        {
            using var scenario = ReliabilityTally.Scenario("bad certificate, Send-SecureMail -Credential: " + certificate);
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = Certificates[certificate]() });
            var run = Run("Send-SecureMail -From carol@fake.test -To dave@fake.test -Subject cert -SmtpServer 127.0.0.1 -Port $args[1] -Credential $cred -TrustedCertificate $args[2] -RetryCount 0 -PassThru -Verbose -Debug", server);

            scenario.Leaked(Leaks(run, server));
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
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = Certificates[certificate]() });
            var run = Run("Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[1] -Credential $cred -TrustedCertificate $args[2] -SkipTlsVersionScan -Verbose -Debug", server);

            scenario.Leaked(Leaks(run, server));
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
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = Certificates[certificate]() });
            var run = Run("Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[1] -TrustedCertificate $args[2]", server);

            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("TlsFailed", result.Text("Status"));
            Assert.NotEqual("valid", result.Text("Certificate.Verdict"));
            Assert.Equal("Unusable", result.Text("Rating"));
            scenario.Survived();
        }

        private PowerShellRun Run(string script, FakeSmtpServer server) => _fixture.PowerShell.Run(
            "$cred = [pscredential]::new('carol@fake.test', [System.Net.NetworkCredential]::new('', $args[0]).SecurePassword); " + script,
            Password, server.Port, TestCertificates.Authority);

        // The server saw no credential (not in clear, not inside TLS), and no stream, error or log shows one.
        private static int Leaks(PowerShellRun run, FakeSmtpServer server)
        {
            var forms = SecretForms.OfPassword("carol@fake.test", Password);
            var commands = System.Text.Encoding.UTF8.GetBytes(string.Join("\n", server.Commands.Select(c => c.Line)));
            return SecretForms.CountHits(server.ReceivedInClear, forms) + SecretForms.CountHits(commands, forms) + ReliabilityChecks.SecretHits(new[] { run }, forms);
        }
    }
}
