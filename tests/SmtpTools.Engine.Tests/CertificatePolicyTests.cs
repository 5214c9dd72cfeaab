using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using SmtpTools.Rules;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using SmtpTools.Tls;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The certificate verdict on hostile chains, as the TLS handshake of every cmdlet judges them.</summary>
    [Trait("Category", "Reliability")]
    public sealed class CertificatePolicyTests
    {
        private static readonly CertificatePolicy TrustTestCa = new CertificatePolicy(new[] { TestCertificates.Authority });

        [Fact]
        public void A_good_chain_has_no_problems_and_is_acceptable()
        {
            var info = Judge(TestCertificates.Good);

            Assert.Equal(SmtpCertificateProblems.None, info.Problems);
            Assert.Equal("valid", info.Verdict);
            Assert.True(info.IsAcceptable);
        }

        [Fact]
        public void An_expired_intermediate_makes_the_chain_unacceptable()
        {
            var info = Refused("an expired intermediate", Judge(TestCertificates.ExpiredIntermediate));

            Assert.Equal(SmtpCertificateProblems.ChainNotTimeValid, info.Problems);
            Assert.False(info.IsAcceptable);
        }

        [Fact]
        public void A_not_yet_valid_intermediate_makes_the_chain_unacceptable()
        {
            var info = Refused("a not yet valid intermediate", Judge(TestCertificates.NotYetValidIntermediate));

            Assert.Equal(SmtpCertificateProblems.ChainNotTimeValid, info.Problems);
            Assert.False(info.IsAcceptable);
        }

        [Fact]
        public void An_expired_trusted_root_does_not_make_the_chain_valid()
        {
            var info = Refused("an expired trusted root", Judge(TestCertificates.ExpiredRoot));

            Assert.True(info.Problems.HasFlag(SmtpCertificateProblems.ChainNotTimeValid));
            Assert.False(info.IsAcceptable);
        }

        [Fact]
        public void A_leaf_issued_only_for_client_authentication_is_not_a_server_certificate()
        {
            var info = Refused("a client-authentication-only leaf", Judge(TestCertificates.ClientAuthOnly));

            Assert.Equal(SmtpCertificateProblems.NotForServerAuth, info.Problems);
            Assert.False(info.IsAcceptable);
            Assert.Contains("CERT_NOT_FOR_SERVER", EndpointRules.CertificateFindings(info).Select(f => f.Id));
        }

        [Fact]
        public void The_subject_CN_never_stands_in_for_a_missing_subject_alternative_name()
        {
            var info = Refused("a CN-only certificate reached by name", Judge(TestCertificates.CommonNameOnly, "localhost"));

            Assert.Equal(SmtpCertificateProblems.WrongHost, info.Problems);
            Assert.False(info.IsAcceptable);
        }

        [Theory]
        [InlineData("localhost", false)]
        [InlineData("127.0.0.1", true)]
        public void An_IP_only_certificate_named_localhost_in_its_CN_matches_the_IP_only(string host, bool matches)
        {
            var info = Judge(TestCertificates.IpOnlyNamedLocalhost, host);

            Assert.Equal(matches, info.HostNameMatches);
            Assert.Equal(matches, info.IsAcceptable);
        }

        [Fact]
        public void A_SHA1_signature_is_refused_by_default_and_reported_as_medium()
        {
            var info = Refused("a SHA-1 signature", Judge(TestCertificates.Sha1Signed));

            Assert.Equal(SmtpCertificateProblems.WeakSignature, info.Problems);
            Assert.Equal("sha1RSA", info.WeakSignatureAlgorithm);
            Assert.False(info.IsAcceptable);
            Assert.Equal(SmtpFindingSeverity.Medium, Assert.Single(EndpointRules.CertificateFindings(info), f => f.Id == "CERT_WEAK_SIGNATURE").Severity);
        }

        [Fact]
        public void An_MD5_signature_is_refused_by_default_and_is_a_high_finding()
        {
            var info = Refused("an MD5 signature", Judge(TestCertificates.Md5Signed));

            Assert.Equal(SmtpCertificateProblems.WeakSignature, info.Problems);
            Assert.Equal("md5RSA", info.WeakSignatureAlgorithm);
            Assert.False(info.IsAcceptable);
            Assert.Equal(SmtpFindingSeverity.High, Assert.Single(EndpointRules.CertificateFindings(info), f => f.Id == "CERT_WEAK_SIGNATURE").Severity);
        }

        [Fact]
        public void An_RSA_1024_key_is_refused_by_default()
        {
            var info = Refused("an RSA 1024-bit key", Judge(TestCertificates.Rsa1024));

            Assert.Equal(SmtpCertificateProblems.WeakKey, info.Problems);
            Assert.Equal("weak key (RSA 1024)", info.Verdict);
            Assert.False(info.IsAcceptable);
        }

        [Fact]
        public void Skipping_the_strength_check_accepts_weak_crypto_but_still_reports_it()
        {
            var policy = new CertificatePolicy(new[] { TestCertificates.Authority }, skipStrengthCheck: true);

            foreach (var leaf in new[] { TestCertificates.Sha1Signed, TestCertificates.Md5Signed, TestCertificates.Rsa1024 })
            {
                var info = CertificateInspector.Inspect(leaf, new[] { leaf }, "localhost", policy, DateTimeOffset.UtcNow);
                Assert.True(info.IsAcceptable, info.Verdict);
                Assert.NotEqual(SmtpCertificateProblems.None, info.Problems);
            }
        }

        [Fact]
        public void Skipping_the_strength_check_does_not_accept_an_expired_intermediate()
        {
            var chain = TestCertificates.ExpiredIntermediate;
            var policy = new CertificatePolicy(new[] { chain.Trust }, skipStrengthCheck: true);

            Assert.False(CertificateInspector.Inspect(chain.Leaf, chain.Presented, "localhost", policy, DateTimeOffset.UtcNow).IsAcceptable);
        }

        [Fact]
        public void A_chain_judged_a_moment_ago_is_judged_again_for_the_clock_and_the_host_name()
        {
            // The chain build is remembered for a minute (sweeps meet one certificate on hundreds of ports); dates
            // and names must not be.
            var leaf = TestCertificates.Good;
            Assert.True(Judge(leaf).IsAcceptable);

            var later = CertificateInspector.Inspect(leaf, new[] { leaf }, "localhost", TrustTestCa, new DateTimeOffset(leaf.NotAfter.ToUniversalTime()).AddDays(1));
            var elsewhere = Judge(leaf, "other.test");

            Assert.Equal(SmtpCertificateProblems.Expired, later.Problems);
            Assert.Equal(SmtpCertificateProblems.WrongHost, elsewhere.Problems);
            Assert.True(Judge(leaf).IsAcceptable);
            // The results of a sweep behind one certificate share its names rather than each holding a copy.
            Assert.Same(later.SubjectAlternativeNames, elsewhere.SubjectAlternativeNames);
        }

        [Fact]
        public void A_chain_judged_under_trusted_roots_is_not_trusted_without_them()
        {
            var leaf = TestCertificates.Good;
            Assert.True(Judge(leaf).IsTrusted);

            var untrusted = CertificateInspector.Inspect(leaf, new[] { leaf }, "localhost", CertificatePolicy.Default, DateTimeOffset.UtcNow);

            Assert.False(untrusted.IsTrusted);
            Assert.False(untrusted.IsAcceptable);
            Assert.True(Judge(leaf).IsTrusted);
        }

        // Records the case in the reliability figures (refused or not), for the assertions that follow to judge.
        private static SmtpCertificateInfo Refused(string name, SmtpCertificateInfo info)
        {
            using var scenario = ReliabilityTally.Scenario("certificate policy refuses: " + name);
            scenario.Hostile(HostileCase.CertificateRefused, !info.IsAcceptable);
            scenario.Survived();
            return info;
        }

        [Fact]
        public void A_certificate_judged_on_several_threads_at_once_keeps_its_server_authentication_usage()
        {
            // A sweep judges one shared certificate object on many threads. Its Extended Key Usage was read through
            // .NET's lazily decoding X509EnhancedKeyUsageExtension, which fills its list in place: a thread that came in
            // during another's first decode read a partial list and called a serverAuth certificate "not for server
            // authentication" (seen with Test-SmtpPort, 1 run in 8). Each round a fresh object, 8 threads at once.
            var raw = TestCertificates.Good.RawData;
            var wrong = 0;
            for (var round = 0; round < 500; round++)
            {
                using var leaf = X509CertificateLoader.LoadCertificate(raw);
                using var start = new System.Threading.Barrier(8);
                var judged = Enumerable.Range(0, 8).Select(_ => System.Threading.Tasks.Task.Factory.StartNew(() =>
                {
                    start.SignalAndWait();
                    return Judge(leaf).Problems;
                }, System.Threading.Tasks.TaskCreationOptions.LongRunning)).ToArray();
                wrong += judged.Count(t => t.Result.HasFlag(SmtpCertificateProblems.NotForServerAuth));
            }

            Assert.Equal(0, wrong);
        }

        private static SmtpCertificateInfo Judge(X509Certificate2 leaf, string host = "localhost") =>
            CertificateInspector.Inspect(leaf, new[] { leaf }, host, TrustTestCa, DateTimeOffset.UtcNow);

        private static SmtpCertificateInfo Judge(ServerChain chain) =>
            CertificateInspector.Inspect(chain.Leaf, chain.Presented, "localhost", new CertificatePolicy(new[] { chain.Trust }), DateTimeOffset.UtcNow);
    }
}
