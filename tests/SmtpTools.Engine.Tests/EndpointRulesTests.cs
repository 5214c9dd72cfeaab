using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
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

        [Theory]
        [InlineData("VRFY", "VRFY_ENABLED")]
        [InlineData("EXPN", "EXPN_ENABLED")]
        public void A_server_that_advertises_address_probing_gets_a_Low_finding(string keyword, string id)
        {
            var report = ImplicitTls(ModernEhlo.Concat(new[] { keyword }).ToArray());

            var finding = Assert.Single(EndpointRules.Evaluate(report), f => f.Id == id);
            Assert.Equal(SmtpFindingSeverity.Low, finding.Severity);
            Assert.Equal("RFC 5321 7.3", finding.Reference);
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

        [Theory]
        [InlineData(CipherSuite.TLS_DH_anon_WITH_AES_128_CBC_SHA, "CIPHER_ANONYMOUS_ACCEPTED", SmtpFindingSeverity.High, "aNULL")]
        [InlineData(CipherSuite.TLS_RSA_WITH_NULL_SHA256, "CIPHER_NULL_ACCEPTED", SmtpFindingSeverity.High, "eNULL")]
        [InlineData(CipherSuite.TLS_RSA_EXPORT_WITH_DES40_CBC_SHA, "CIPHER_EXPORT_ACCEPTED", SmtpFindingSeverity.High, "EXPORT")]
        [InlineData(CipherSuite.TLS_ECDHE_RSA_WITH_RC4_128_SHA, "CIPHER_RC4_ACCEPTED", SmtpFindingSeverity.High, "RC4")]
        [InlineData(CipherSuite.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "CIPHER_3DES_ACCEPTED", SmtpFindingSeverity.Medium, "3DES")]
        [InlineData(CipherSuite.TLS_RSA_WITH_AES_128_GCM_SHA256, "CIPHER_NO_FORWARD_SECRECY_ACCEPTED", SmtpFindingSeverity.Low, "kRSA")]
        [InlineData(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "CIPHER_CBC_SHA1_ACCEPTED", SmtpFindingSeverity.Low, "SHA1")]
        public void Each_kind_of_weak_cipher_suite_accepted_gets_its_finding_with_the_suite_and_the_fix(int suite, string id, SmtpFindingSeverity severity, string postfixExclusion)
        {
            var report = ImplicitTls(ModernEhlo);
            report.CipherSuiteScans = new[] { CipherScan(TlsProtocolVersion.Tls12, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, suite) };

            var findings = EndpointRules.Evaluate(report);

            var finding = Assert.Single(findings, f => f.Id == id);
            Assert.Equal(severity, finding.Severity);
            Assert.Contains(TlsParameterNames.CipherSuite(suite), finding.Message);
            Assert.Contains(postfixExclusion, finding.Message);
            Assert.StartsWith("RFC ", finding.Reference);
            Assert.DoesNotContain(findings, f => f.Id.StartsWith("CIPHER_", StringComparison.Ordinal) && f.Id != id);
        }

        [Fact]
        public void A_cipher_scan_of_sound_suites_only_adds_no_finding()
        {
            var report = ImplicitTls(ModernEhlo);
            report.CipherSuiteScans = new[]
            {
                CipherScan(TlsProtocolVersion.Tls12, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256),
                CipherScan(TlsProtocolVersion.Tls13, CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384),
            };

            Assert.Empty(EndpointRules.Evaluate(report));
        }

        [Fact]
        public void Anonymous_suites_on_an_MX_are_a_low_finding_since_opportunistic_TLS_authenticates_nobody()
        {
            var report = ImplicitTls(ModernEhlo);
            report.Port = 25;
            report.Security = SmtpObservedSecurity.StartTls;
            report.CipherSuiteScans = new[] { CipherScan(TlsProtocolVersion.Tls12, CipherSuite.TLS_DH_anon_WITH_AES_128_GCM_SHA256) };

            var finding = Assert.Single(EndpointRules.Evaluate(report), f => f.Id == "CIPHER_ANONYMOUS_ACCEPTED");
            Assert.Equal(SmtpFindingSeverity.Low, finding.Severity);
            Assert.Contains("RFC 7435", finding.Message);
        }

        [Fact]
        public void A_suite_accepted_at_several_versions_is_named_once_with_its_versions()
        {
            var report = ImplicitTls(ModernEhlo);
            report.CipherSuiteScans = new[]
            {
                CipherScan(TlsProtocolVersion.Tls10, CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA),
                CipherScan(TlsProtocolVersion.Tls12, CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA),
            };

            var finding = Assert.Single(EndpointRules.Evaluate(report), f => f.Id == "CIPHER_NO_FORWARD_SECRECY_ACCEPTED");
            Assert.Contains("TLS_RSA_WITH_AES_128_CBC_SHA (Tls10, Tls12)", finding.Message);
        }

        [Fact]
        public void Weak_suites_accepted_but_not_chosen_do_not_change_the_rating()
        {
            var report = ImplicitTls(ModernEhlo);
            var before = EndpointRules.Rate(EndpointEvidence.Of(report));
            report.CipherSuiteScans = new[] { CipherScan(TlsProtocolVersion.Tls12, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_RSA_WITH_NULL_SHA256) };

            Assert.Equal(before, EndpointRules.Rate(EndpointEvidence.Of(report)));
        }

        [Fact]
        public void A_wrong_host_finding_names_a_few_of_a_certificates_many_names_and_counts_the_rest()
        {
            // Shared-hosting and provider certificates carry a hundred names or more: the finding (and the refusal's
            // remedy) must stay a readable sentence, and a sweep keeps one per result.
            var names = Enumerable.Range(1, 142).Select(i => $"host{i}.provider.test").ToArray();
            var certificate = GoodCertificate();
            certificate.HostNameMatches = false;
            certificate.CheckedHostName = "mail.test";
            certificate.SubjectAlternativeNames = names;
            certificate.Problems = SmtpCertificateProblems.WrongHost;

            var finding = Assert.Single(EndpointRules.Evaluate(ImplicitTls(ModernEhlo, certificate: certificate)), f => f.Id == "CERT_WRONG_HOST");
            var remedy = CertificateInspector.Remedy(certificate);

            foreach (var text in new[] { finding.Message, remedy })
            {
                Assert.Contains("host1.provider.test, host2.provider.test, host3.provider.test", text);
                Assert.Contains("and 137 more", text);
                Assert.DoesNotContain("host6.provider.test", text);
                Assert.True(text.Length < 500, $"{text.Length} characters: {text}");
            }
        }

        [Fact]
        public void A_wrong_host_finding_names_every_name_of_a_certificate_with_few()
        {
            var certificate = GoodCertificate();
            certificate.HostNameMatches = false;
            certificate.CheckedHostName = "mail.test";
            certificate.SubjectAlternativeNames = new[] { "a.test", "b.test", "c.test", "d.test", "e.test" };

            var finding = Assert.Single(EndpointRules.Evaluate(ImplicitTls(ModernEhlo, certificate: certificate)), f => f.Id == "CERT_WRONG_HOST");

            Assert.Contains("(it names a.test, b.test, c.test, d.test, e.test)", finding.Message);
            Assert.DoesNotContain("more", finding.Message);
        }

        private static TlsCipherSuiteScan CipherScan(TlsProtocolVersion version, params int[] suites) =>
            new TlsCipherSuiteScan(version, suites.Select(s => TlsCipherSuiteCatalog.Describe(version, s)).ToArray(), TlsCipherOrder.Client, 100, suites.Length + 1, true, null, TimeSpan.Zero);

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
