using System;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmtpTools.Probing;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>Which endpoint to submit mail to (RFC 8314), as a pure function over probe results.</summary>
    public sealed class SubmissionRankingTests
    {
        private static readonly X509Certificate2 Leaf = MakeCertificate();

        [Fact]
        public void Implicit_TLS_with_a_valid_certificate_is_preferred()
        {
            var result = Endpoint(465, SmtpObservedSecurity.ImplicitTls);

            Assert.Equal(SmtpSubmissionRating.Preferred, result.Rating);
            Assert.Contains("RFC 8314", result.RatingReason);
        }

        [Fact]
        public void STARTTLS_with_a_valid_certificate_is_acceptable()
        {
            Assert.Equal(SmtpSubmissionRating.Acceptable, Endpoint(587, SmtpObservedSecurity.StartTls).Rating);
        }

        [Fact]
        public void Implicit_TLS_wins_over_STARTTLS()
        {
            var recommendation = SubmissionRanking.Recommend("mail.example", new[] { Endpoint(587, SmtpObservedSecurity.StartTls), Endpoint(465, SmtpObservedSecurity.ImplicitTls) });

            Assert.Equal(465, recommendation.Port);
            Assert.Equal(SmtpObservedSecurity.ImplicitTls, recommendation.Security);
            Assert.StartsWith("Implicit TLS with a valid certificate", recommendation.Reason);
            Assert.Contains("Also fit, ranked lower: 587 (StartTls).", recommendation.Reason);
            Assert.Equal(new[] { 465, 587 }, recommendation.RankedEndpoints.Select(r => r.Port));
        }

        [Fact]
        public void Plaintext_is_insecure_and_never_recommended_even_when_it_is_the_only_SMTP_port()
        {
            var plain = Endpoint(587, SmtpObservedSecurity.PlainOnly, tls: false, authBeforeTls: true);

            var recommendation = SubmissionRanking.Recommend("mail.example", new[] { plain, Failed(465, SmtpPortStatus.Closed) });

            Assert.Equal(SmtpSubmissionRating.Insecure, plain.Rating);
            Assert.Contains("in clear", plain.RatingReason);
            Assert.Null(recommendation.Endpoint);
            Assert.Equal(0, recommendation.Port);
            Assert.Equal(SmtpObservedSecurity.Unknown, recommendation.Security);
            Assert.Contains("587: Insecure", recommendation.Reason);
            Assert.Contains("465: Unusable", recommendation.Reason);
        }

        [Fact]
        public void Port_25_is_relay_only_and_recommended_only_when_nothing_better_answers()
        {
            var relay = Endpoint(25, SmtpObservedSecurity.StartTls, auth: false);

            Assert.Equal(SmtpSubmissionRating.RelayOnly, relay.Rating);
            Assert.Equal(25, SubmissionRanking.Recommend("mx.example", new[] { relay, Failed(587, SmtpPortStatus.Filtered) }).Port);
            Assert.Equal(2525, SubmissionRanking.Recommend("mx.example", new[] { relay, Endpoint(2525, SmtpObservedSecurity.StartTls) }).Port);
        }

        [Fact]
        public void Port_2525_is_acceptable_but_ranks_after_the_registered_submission_port()
        {
            var alternative = Endpoint(2525, SmtpObservedSecurity.StartTls);

            var recommendation = SubmissionRanking.Recommend("mail.example", new[] { alternative, Endpoint(587, SmtpObservedSecurity.StartTls) });

            Assert.Equal(SmtpSubmissionRating.Acceptable, alternative.Rating);
            Assert.Contains("unofficial", alternative.RatingReason);
            Assert.Equal(587, recommendation.Port);
        }

        [Fact]
        public void Among_equals_an_endpoint_that_offers_AUTH_beats_one_that_does_not()
        {
            var recommendation = SubmissionRanking.Recommend("mail.example", new[] { Endpoint(587, SmtpObservedSecurity.StartTls, auth: false), Endpoint(2525, SmtpObservedSecurity.StartTls) });

            Assert.Equal(2525, recommendation.Port);
        }

        [Fact]
        public void Certificate_that_passed_only_because_checks_were_skipped_is_insecure()
        {
            var result = Endpoint(465, SmtpObservedSecurity.ImplicitTls, certificate: c =>
            {
                c.IsExpired = true;
                c.DaysUntilExpiry = -3;
                c.Problems = SmtpCertificateProblems.Expired;
                c.ValidationSkipped = true;
            });

            Assert.Equal(SmtpSubmissionRating.Insecure, result.Rating);
            Assert.Contains("expired", result.RatingReason);
            Assert.Null(SubmissionRanking.Recommend("mail.example", new[] { result }).Endpoint);
        }

        [Theory]
        [InlineData(TlsProtocolVersion.Tls10)]
        [InlineData(TlsProtocolVersion.Tls11)]
        public void Deprecated_TLS_versions_are_insecure(TlsProtocolVersion version)
        {
            var result = Endpoint(465, SmtpObservedSecurity.ImplicitTls, version: version);

            Assert.Equal(SmtpSubmissionRating.Insecure, result.Rating);
            Assert.Contains("RFC 8996", result.RatingReason);
        }

        [Theory]
        [InlineData(SmtpPortStatus.Closed, "Nothing listens")]
        [InlineData(SmtpPortStatus.Filtered, "did not answer")]
        [InlineData(SmtpPortStatus.NoResponse, "no SMTP server answered")]
        [InlineData(SmtpPortStatus.NotSmtp, "other than SMTP")]
        [InlineData(SmtpPortStatus.TlsFailed, "TLS failed")]
        [InlineData(SmtpPortStatus.NameNotResolved, "did not resolve")]
        public void Failed_endpoints_are_unusable_and_say_why(SmtpPortStatus status, string reason)
        {
            var result = Failed(465, status);

            Assert.Equal(SmtpSubmissionRating.Unusable, result.Rating);
            Assert.Contains(reason, result.RatingReason);
        }

        [Fact]
        public void AUTH_offered_before_STARTTLS_is_the_High_finding_that_makes_the_endpoint_insecure()
        {
            var result = Endpoint(587, SmtpObservedSecurity.StartTls, authBeforeTls: true);

            Assert.Equal(SmtpSubmissionRating.Insecure, result.Rating);
            Assert.Contains("PLAINTEXT_AUTH_IN_CLEAR", result.RatingReason); // the worst finding is named: AUTH PLAIN in clear
        }

        [Fact]
        public void A_Medium_finding_keeps_implicit_TLS_below_Preferred()
        {
            var result = Endpoint(465, SmtpObservedSecurity.ImplicitTls, certificate: c => c.DaysUntilExpiry = 10);

            Assert.Equal(SmtpSubmissionRating.Acceptable, result.Rating);
            Assert.Contains("CERT_EXPIRING", result.RatingReason);
        }

        [Theory]
        [InlineData(465, SmtpObservedSecurity.StartTls, "port 465 is registered for implicit TLS")]
        [InlineData(465, SmtpObservedSecurity.PlainOnly, "port 465 is registered for implicit TLS")]
        [InlineData(587, SmtpObservedSecurity.ImplicitTls, "port 587 is registered for STARTTLS")]
        [InlineData(587, SmtpObservedSecurity.PlainOnly, "offers no TLS")]
        [InlineData(25, SmtpObservedSecurity.ImplicitTls, "port 25 is for relay")]
        public void Registered_port_speaking_another_mode_is_a_misconfiguration(int port, SmtpObservedSecurity security, string note)
        {
            Assert.Contains(note, SubmissionRanking.PortMismatch(port, security));
            Assert.Contains(note, Endpoint(port, security, tls: security != SmtpObservedSecurity.PlainOnly).RatingReason);
        }

        [Theory]
        [InlineData(465, SmtpObservedSecurity.ImplicitTls)]
        [InlineData(587, SmtpObservedSecurity.StartTls)]
        [InlineData(25, SmtpObservedSecurity.StartTls)]
        [InlineData(2465, SmtpObservedSecurity.StartTls)]
        public void Port_speaking_its_registered_mode_or_without_one_is_no_misconfiguration(int port, SmtpObservedSecurity security)
        {
            Assert.Null(SubmissionRanking.PortMismatch(port, security));
        }

        [Fact]
        public void Misconfigured_port_ranks_after_an_equal_one_that_speaks_its_registered_mode()
        {
            var recommendation = SubmissionRanking.Recommend("mail.example", new[] { Endpoint(587, SmtpObservedSecurity.ImplicitTls), Endpoint(2465, SmtpObservedSecurity.ImplicitTls) });

            Assert.Equal(2465, recommendation.Port);
        }

        [Fact]
        public void No_probed_port_gives_no_recommendation()
        {
            var recommendation = SubmissionRanking.Recommend("mail.example", Array.Empty<SmtpPortResult>());

            Assert.Null(recommendation.Endpoint);
            Assert.Equal(SmtpSubmissionRating.Unusable, recommendation.Rating);
        }

        private static SmtpPortResult Endpoint(
            int port,
            SmtpObservedSecurity security,
            bool tls = true,
            bool auth = true,
            bool authBeforeTls = false,
            TlsProtocolVersion version = TlsProtocolVersion.Tls13,
            Action<SmtpCertificateInfo>? certificate = null)
        {
            var result = new SmtpPortResult { ComputerName = "mail.example", Port = port, Status = SmtpPortStatus.Open, Security = security };
            var mechanisms = auth ? "AUTH PLAIN LOGIN" : "SIZE 1000";
            if (security != SmtpObservedSecurity.ImplicitTls)
            {
                result.ExtensionsBeforeTls = SmtpExtensions.Parse(new[] { "mail.example", security == SmtpObservedSecurity.StartTls ? "STARTTLS" : "SIZE", authBeforeTls ? "AUTH PLAIN" : "PIPELINING" });
            }

            if (tls)
            {
                var info = new SmtpCertificateInfo(Leaf) { HostNameMatches = true, IsTrusted = true, ChainComplete = true, IsAcceptable = true, DaysUntilExpiry = 365 };
                certificate?.Invoke(info);
                result.Tls = new TlsInspection(version, "TLS_AES_256_GCM_SHA384", info, TimeSpan.FromMilliseconds(5));
                result.ExtensionsAfterTls = SmtpExtensions.Parse(new[] { "mail.example", mechanisms });
            }

            (result.Rating, result.RatingReason) = SubmissionRanking.Assess(result);
            return result;
        }

        private static SmtpPortResult Failed(int port, SmtpPortStatus status)
        {
            var result = new SmtpPortResult { ComputerName = "mail.example", Port = port, Status = status, ErrorMessage = "it failed" };
            (result.Rating, result.RatingReason) = SubmissionRanking.Assess(result);
            return result;
        }

        private static X509Certificate2 MakeCertificate()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=mail.example", key, HashAlgorithmName.SHA256);
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(365));
        }
    }
}
