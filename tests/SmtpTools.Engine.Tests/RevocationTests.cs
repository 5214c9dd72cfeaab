using System;
using System.Linq;
using SmtpTools.Rules;
using SmtpTools.Tests.Reliability;
using SmtpTools.Tests.Revocation;
using SmtpTools.Tls;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>Revocation against a real <c>openssl ocsp</c> responder and a CRL served over HTTP on loopback.</summary>
    [Trait("Category", "Reliability")]
    public sealed class RevocationTests : IDisposable
    {
        private readonly RevocationAuthority _ca = new RevocationAuthority();

        public void Dispose() => _ca.Dispose();

        [Fact]
        public void A_leaf_the_OCSP_responder_calls_revoked_is_refused()
        {
            var leaf = _ca.Issue(revoked: true, _ca.OcspUrl, null);
            _ca.StartOcspResponder();

            var info = Refused("revoked by OCSP", Judge(leaf, CertificateRevocationCheck.Check));

            Assert.Equal(SmtpCertificateProblems.Revoked, info.Problems);
            Assert.False(info.IsAcceptable);
            Assert.Contains("CERT_REVOKED", Ids(info));
        }

        [Fact]
        public void A_leaf_the_OCSP_responder_calls_good_is_accepted()
        {
            var leaf = _ca.Issue(revoked: false, _ca.OcspUrl, null);
            _ca.StartOcspResponder();

            var info = Judge(leaf, CertificateRevocationCheck.Require);

            Assert.True(info.Problems == SmtpCertificateProblems.None, info.RevocationStatus);
            Assert.True(info.IsAcceptable);
            Assert.StartsWith("good (OCSP", info.RevocationStatus);
        }

        [Fact]
        public void A_leaf_the_CRL_does_not_list_is_accepted()
        {
            var leaf = _ca.Issue(revoked: false, null, _ca.CrlUrl);

            var info = Judge(leaf, CertificateRevocationCheck.Require);

            Assert.True(info.Problems == SmtpCertificateProblems.None, info.RevocationStatus);
            Assert.Equal("good (CRL)", info.RevocationStatus);
        }

        [Fact]
        public void A_leaf_on_the_CRL_is_refused()
        {
            var leaf = _ca.Issue(revoked: true, null, _ca.CrlUrl);

            var info = Refused("revoked by CRL", Judge(leaf, CertificateRevocationCheck.Check));

            Assert.Equal(SmtpCertificateProblems.Revoked, info.Problems);
            Assert.False(info.IsAcceptable);
        }

        [Fact]
        public void An_unreachable_responder_is_reported_but_not_fatal_by_default()
        {
            var leaf = _ca.Issue(revoked: false, _ca.DeadUrl, null);

            var info = Judge(leaf, CertificateRevocationCheck.Check);

            Assert.Equal(SmtpCertificateProblems.RevocationUnknown, info.Problems);
            Assert.True(info.IsAcceptable);
            Assert.Contains("CERT_REVOCATION_UNKNOWN", Ids(info));
            Assert.StartsWith("unknown", info.RevocationStatus);
        }

        [Fact]
        public void An_unreachable_responder_is_fatal_when_revocation_is_required()
        {
            var leaf = _ca.Issue(revoked: false, _ca.DeadUrl, null);

            var info = Refused("revocation unknown, check required", Judge(leaf, CertificateRevocationCheck.Require));

            Assert.Equal(SmtpCertificateProblems.RevocationUnknown, info.Problems);
            Assert.False(info.IsAcceptable);
        }

        private SmtpCertificateInfo Judge(System.Security.Cryptography.X509Certificates.X509Certificate2 leaf, CertificateRevocationCheck check)
        {
            var policy = new CertificatePolicy(new[] { _ca.Authority }, revocation: check) { RevocationTimeout = TimeSpan.FromSeconds(3) };
            return CertificateInspector.Inspect(leaf, new[] { leaf }, "localhost", policy, DateTimeOffset.UtcNow);
        }

        private static string[] Ids(SmtpCertificateInfo info) => Array.ConvertAll(System.Linq.Enumerable.ToArray(EndpointRules.CertificateFindings(info)), f => f.Id);

        private static SmtpCertificateInfo Refused(string name, SmtpCertificateInfo info)
        {
            using var scenario = ReliabilityTally.Scenario("certificate policy refuses: " + name);
            scenario.Hostile(HostileCase.CertificateRefused, !info.IsAcceptable);
            scenario.Survived();
            return info;
        }
    }
}
