using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using SmtpTools.Capability;
using SmtpTools.Rules;
using SmtpTools.Tls;
using SmtpTools.Tests.Listeners;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The pure rules, on hand-made reports: for findings no real listener of the test server produces.</summary>
    public sealed class EndpointRulesTests
    {
        private static readonly string[] ModernEhlo = { "mail.test", "PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES", "AUTH PLAIN LOGIN" };

        [Fact]
        public void A_server_that_advertises_no_SIZE_is_flagged_with_RFC_1870()
        {
            var report = ImplicitTls(ModernEhlo.Where(k => !k.StartsWith("SIZE")).ToArray());

            var finding = Assert.Single(EndpointRules.Evaluate(report), f => f.Id == "NO_SIZE");
            Assert.Equal(SmtpFindingSeverity.Low, finding.Severity);
            Assert.Equal("RFC 1870", finding.Reference);
        }

        [Fact]
        public void A_server_that_advertises_SIZE_has_no_findings_when_all_else_is_right()
        {
            Assert.Empty(EndpointRules.Evaluate(ImplicitTls(ModernEhlo)));
        }

        [Fact]
        public void STARTTLS_only_on_port_25_is_information_not_a_weakness()
        {
            var report = ImplicitTls(ModernEhlo);
            report.Port = 25;
            report.Security = SmtpObservedSecurity.StartTls;

            Assert.Equal(SmtpFindingSeverity.Info, Assert.Single(EndpointRules.Evaluate(report), f => f.Id == "STARTTLS_ONLY").Severity);
        }

        [Fact]
        public void TLS_1_3_refused_is_flagged_as_low()
        {
            var report = ImplicitTls(ModernEhlo);
            report.TlsVersions = Versions(TlsVersionOutcome.Rejected, TlsVersionOutcome.Rejected, TlsVersionOutcome.Accepted, TlsVersionOutcome.Rejected);

            Assert.Equal(SmtpFindingSeverity.Low, Assert.Single(EndpointRules.Evaluate(report), f => f.Id == "TLS13_UNSUPPORTED").Severity);
        }

        [Fact]
        public void A_version_without_a_verdict_is_never_called_unsupported()
        {
            var report = ImplicitTls(ModernEhlo);
            report.TlsVersions = Versions(TlsVersionOutcome.Rejected, TlsVersionOutcome.Rejected, TlsVersionOutcome.Accepted, TlsVersionOutcome.Failed);

            Assert.DoesNotContain(EndpointRules.Evaluate(report), f => f.Id == "TLS13_UNSUPPORTED");
        }

        [Fact]
        public void Neither_TLS_1_2_nor_1_3_is_high()
        {
            var report = ImplicitTls(ModernEhlo);
            report.TlsVersions = Versions(TlsVersionOutcome.Accepted, TlsVersionOutcome.Accepted, TlsVersionOutcome.Rejected, TlsVersionOutcome.Rejected);

            var ids = EndpointRules.Evaluate(report).Select(f => f.Id).ToArray();
            Assert.Contains("MODERN_TLS_UNSUPPORTED", ids);
            Assert.DoesNotContain("TLS13_UNSUPPORTED", ids);
        }

        [Fact]
        public void TLS_1_0_without_a_common_cipher_still_counts_as_enabled()
        {
            var report = ImplicitTls(ModernEhlo);
            report.TlsVersions = Versions(TlsVersionOutcome.AcceptedNoCommonCipher, TlsVersionOutcome.Rejected, TlsVersionOutcome.Accepted, TlsVersionOutcome.Accepted);

            var finding = Assert.Single(EndpointRules.Evaluate(report), f => f.Id == "TLS10_ACCEPTED");
            Assert.Contains("no cipher suite in common", finding.Message);
        }

        [Fact]
        public void Cipher_suites_without_forward_secrecy_and_broken_ones_are_flagged()
        {
            var report = ImplicitTls(ModernEhlo, "TLS_RSA_WITH_AES_128_CBC_SHA");
            report.TlsVersions = new[] { new TlsVersionSupport(TlsProtocolVersion.Tls10, TlsVersionOutcome.Accepted, TimeSpan.Zero) { CipherSuite = "TLS_RSA_WITH_3DES_EDE_CBC_SHA" } };

            var findings = EndpointRules.Evaluate(report);
            Assert.Contains("TLS_RSA_WITH_AES_128_CBC_SHA", Assert.Single(findings, f => f.Id == "CIPHER_NO_FORWARD_SECRECY").Message);
            Assert.Contains("3DES", Assert.Single(findings, f => f.Id == "CIPHER_BROKEN").Message);
        }

        [Fact]
        public void STARTTLS_advertised_again_inside_TLS_is_flagged()
        {
            var report = ImplicitTls(ModernEhlo.Concat(new[] { "STARTTLS" }).ToArray());

            Assert.Equal("RFC 3207 4.2", Assert.Single(EndpointRules.Evaluate(report), f => f.Id == "STARTTLS_INSIDE_TLS").Reference);
        }

        [Fact]
        public void A_certificate_signed_with_SHA1_is_flagged()
        {
            var report = ImplicitTls(ModernEhlo, certificate: IssuedCertificate("SHA1WITHRSA"));

            Assert.Single(EndpointRules.Evaluate(report), f => f.Id == "CERT_WEAK_SIGNATURE");
        }

        [Fact]
        public void Findings_come_worst_first()
        {
            var report = ImplicitTls(ModernEhlo.Where(k => !k.StartsWith("SIZE")).ToArray());
            report.Security = SmtpObservedSecurity.PlainOnly;
            report.ExtensionsBeforeTls = report.ExtensionsAfterTls;
            report.ExtensionsAfterTls = null;
            report.Tls = null;

            var severities = EndpointRules.Evaluate(report).Select(f => f.Severity).ToArray();
            Assert.Equal(severities.OrderByDescending(s => s), severities);
            Assert.Equal(SmtpFindingSeverity.Critical, severities[0]);
        }

        /// <summary>A clean implicit-TLS report: trusted certificate for the host, TLS 1.3, the given EHLO keywords.</summary>
        private static SmtpCapabilityReport ImplicitTls(string[] ehlo, string cipherSuite = "TLS_AES_256_GCM_SHA384", SmtpCertificateInfo? certificate = null)
        {
            return new SmtpCapabilityReport
            {
                ComputerName = "mail.test",
                Port = 465,
                Security = SmtpObservedSecurity.ImplicitTls,
                Banner = "220 mail.test ESMTP",
                ExtensionsAfterTls = SmtpExtensions.Parse(ehlo),
                Tls = new TlsInspection(TlsProtocolVersion.Tls13, cipherSuite, certificate ?? GoodCertificate(), TimeSpan.Zero),
            };
        }

        private static TlsVersionSupport[] Versions(params TlsVersionOutcome[] outcomes) =>
            TlsVersionScanner.AllVersions.Zip(outcomes, (v, o) => new TlsVersionSupport(v, o, TimeSpan.Zero)).ToArray();

        private static SmtpCertificateInfo GoodCertificate() => new SmtpCertificateInfo(TestCertificates.SelfSigned)
        {
            NotAfter = DateTimeOffset.UtcNow.AddDays(300),
            DaysUntilExpiry = 300,
            KeyAlgorithm = "RSA",
            KeySize = 2048,
            CheckedHostName = "mail.test",
            HostNameMatches = true,
            IsTrusted = true,
            ChainComplete = true,
            IsAcceptable = true,
        };

        // A leaf issued by a CA (so not self-signed) and trusted by the policy, signed with the given algorithm. BouncyCastle
        // makes it: .NET refuses to sign with SHA-1 at all.
        private static SmtpCertificateInfo IssuedCertificate(string signatureAlgorithm)
        {
            var random = new SecureRandom();
            var keys = new RsaKeyPairGenerator();
            keys.Init(new KeyGenerationParameters(random, 2048));
            var caKeys = keys.GenerateKeyPair();
            var leafKeys = keys.GenerateKeyPair();
            var caName = new X509Name("CN=Test CA");

            Org.BouncyCastle.X509.X509Certificate Make(X509Name subject, AsymmetricKeyParameter publicKey, string algorithm, bool isCa, int serial)
            {
                var generator = new X509V3CertificateGenerator();
                generator.SetSerialNumber(BigInteger.ValueOf(serial));
                generator.SetIssuerDN(caName);
                generator.SetSubjectDN(subject);
                generator.SetNotBefore(DateTime.UtcNow.AddDays(-1));
                generator.SetNotAfter(DateTime.UtcNow.AddDays(300));
                generator.SetPublicKey(publicKey);
                generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(isCa));
                if (!isCa)
                {
                    generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.DnsName, "mail.test")));
                }

                return generator.Generate(new Asn1SignatureFactory(algorithm, caKeys.Private, random));
            }

            var ca = X509CertificateLoader.LoadCertificate(Make(caName, caKeys.Public, "SHA256WITHRSA", true, 1).GetEncoded());
            var leaf = X509CertificateLoader.LoadCertificate(Make(new X509Name("CN=mail.test"), leafKeys.Public, signatureAlgorithm, false, 2).GetEncoded());
            return CertificateInspector.Inspect(leaf, new[] { leaf }, "mail.test", new CertificatePolicy(new[] { ca }), DateTimeOffset.UtcNow);
        }
    }
}
