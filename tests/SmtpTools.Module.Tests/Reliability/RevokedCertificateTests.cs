using System;
using System.Linq;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using SmtpTools.Tests.Revocation;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// A STARTTLS server presenting a leaf from a CA that answers revocation questions on loopback (a real
    /// <c>openssl ocsp</c> responder and an HTTP CRL): Send-SecureMail refuses a revoked one before the credential.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class RevokedCertificateTests : IClassFixture<ModuleFixture>, IDisposable
    {
        private const string Script =
            "$cred = [pscredential]::new('carol@fake.test', [System.Net.NetworkCredential]::new('', 'Revoked-SECRET-pw').SecurePassword); " +
            "Send-SecureMail -From carol@fake.test -To dave@fake.test -Subject rev -SmtpServer 127.0.0.1 -Port $args[0] -Credential $cred -TrustedCertificate $args[1] -RetryCount 0 -PassThru -Verbose ";

        private readonly ModuleFixture _fixture;
        // Slot 1: the engine tests' RevocationTests use slot 0, and the two test assemblies may run at once.
        private readonly RevocationAuthority _ca = new RevocationAuthority(slot: 1);

        public RevokedCertificateTests(ModuleFixture fixture) => _fixture = fixture;

        public void Dispose() => _ca.Dispose();

        [Theory]
        [InlineData("OCSP")]
        [InlineData("CRL")]
        public void Send_SecureMail_refuses_a_revoked_certificate_before_AUTH(string how)
        {
            using var scenario = ReliabilityTally.Scenario("revoked certificate, Send-SecureMail -Credential: " + how);
            var leaf = how == "OCSP" ? _ca.Issue(revoked: true, _ca.OcspUrl, null) : _ca.Issue(revoked: true, null, _ca.CrlUrl);
            _ca.StartOcspResponder();
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = leaf });

            var run = _fixture.PowerShell.Run(Script, server.Port, _ca.Authority);

            var refused = !server.Commands.Any(c => c.Line.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase));
            scenario.Hostile(HostileCase.CertificateRefused, refused);
            Assert.True(refused);
            Assert.Equal(new[] { "SmtpTools.CertificateRejected" }, ReliabilityChecks.Ids(run));
            Assert.Contains("revoked", run.Errors[0].ToString());
            Assert.Equal("Revoked", Assert.Single(run.Output).Text("Certificate.Problems"));
            scenario.Survived();
        }

        [Fact]
        public void An_unreachable_responder_is_a_verbose_line_not_a_failure()
        {
            var leaf = _ca.Issue(revoked: false, _ca.DeadUrl, null);
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = leaf });

            var run = _fixture.PowerShell.Run(Script, server.Port, _ca.Authority);

            Assert.Empty(run.Errors);
            Assert.Equal("Sent", Assert.Single(run.Output).Text("Status"));
            Assert.Contains(run.Verbose, v => v.Contains("revocation unknown", StringComparison.Ordinal));
        }

        [Fact]
        public void RequireRevocationCheck_refuses_when_the_responder_cannot_be_reached()
        {
            var leaf = _ca.Issue(revoked: false, _ca.DeadUrl, null);
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = leaf });

            var run = _fixture.PowerShell.Run(Script + "-RequireRevocationCheck", server.Port, _ca.Authority);

            Assert.Equal(new[] { "SmtpTools.CertificateRejected" }, ReliabilityChecks.Ids(run));
            Assert.Contains("-RequireRevocationCheck", run.Errors[0].ToString());
        }
    }
}
