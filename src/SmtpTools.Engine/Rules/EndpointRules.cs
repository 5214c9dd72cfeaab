using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SmtpTools.Probing;
using SmtpTools.Tls;

namespace SmtpTools.Rules
{
    /// <summary>
    /// The one rule set: turns what a probe or an audit saw of an endpoint into findings, and the findings and the
    /// mode into the submission rating, so Test-SmtpPort and Get-SmtpCapability never disagree. Pure: the same evidence
    /// always gives the same verdict, so each rule can be tested on hand-made evidence as well as against a real server.
    /// </summary>
    internal static class EndpointRules
    {
        /// <summary>A certificate expiring within this many days is flagged.</summary>
        public const int ExpiryWarningDays = 30;

        /// <summary>The smallest RSA (or DSA) key considered strong (NIST SP 800-131A: 112-bit security).</summary>
        public const int MinimumRsaKeyBits = CertificateInspector.MinimumRsaKeyBits;

        private static readonly string[] PlaintextMechanisms = { "PLAIN", "LOGIN" };
        private static readonly string[] BrokenCipherParts = { "_NULL_", "_anon_", "_EXPORT", "_RC4_", "_DES_", "_DES40_", "_3DES_", "_MD5" };

        /// <summary>All findings for an audit report, worst first.</summary>
        public static IReadOnlyList<SmtpFinding> Evaluate(SmtpCapabilityReport report) => Evaluate(EndpointEvidence.Of(report));

        /// <summary>All findings for a probe result, worst first.</summary>
        public static IReadOnlyList<SmtpFinding> Evaluate(SmtpPortResult result) => Evaluate(EndpointEvidence.Of(result));

        /// <summary>
        /// How fit the endpoint is for submitting mail, and why. The findings weigh in: a Critical or High one makes it
        /// Insecure, a Medium one keeps it below Preferred. The version scan's findings (versions a client could be
        /// talked into, which Test-SmtpPort does not measure) are reported but never change the rating, so every
        /// cmdlet rates an endpoint the same.
        /// </summary>
        public static (SmtpSubmissionRating Rating, string Reason) Rate(EndpointEvidence evidence)
        {
            var (rating, reason) = RateMode(evidence);
            if (rating <= SmtpSubmissionRating.Insecure)
            {
                return (rating, reason);
            }

            var session = Evaluate(evidence.WithoutVersionScan());
            var serious = session.FirstOrDefault(f => f.Severity >= SmtpFindingSeverity.High);
            if (serious != null)
            {
                return (SmtpSubmissionRating.Insecure, $"TLS works, but {serious.Id}: {serious.Message}");
            }

            var medium = session.FirstOrDefault(f => f.Severity == SmtpFindingSeverity.Medium);
            if (medium != null && rating > SmtpSubmissionRating.Acceptable)
            {
                return (SmtpSubmissionRating.Acceptable, $"{reason} Ranked below Preferred for {medium.Id}: {medium.Message}");
            }

            return (rating, reason);
        }

        /// <summary>All findings for <paramref name="report"/>, worst first (rules' order kept within a severity).</summary>
        public static IReadOnlyList<SmtpFinding> Evaluate(EndpointEvidence report)
        {
            var findings = new List<SmtpFinding>();
            Transport(report, findings);
            Authentication(report, findings);
            if (report.Certificate != null)
            {
                findings.AddRange(CertificateFindings(report.Certificate));
            }

            Versions(report, findings);
            CipherSuites(report, findings);
            CipherSuiteRules.AcceptedSuites(report, findings);
            Extensions(report, findings);
            return findings.OrderByDescending(f => f.Severity).ToArray();
        }

        private static void Transport(EndpointEvidence report, List<SmtpFinding> findings)
        {
            switch (report.Security)
            {
                case SmtpObservedSecurity.PlainOnly:
                    findings.Add(new SmtpFinding("NO_TLS", SmtpFindingSeverity.High,
                        "The server offers no TLS at all: messages, and any password, cross the network in clear. Enable STARTTLS with a certificate (Postfix: smtpd_tls_security_level = may), and implicit TLS on port 465 for submission.",
                        "RFC 8314 4.1"));
                    break;
                case SmtpObservedSecurity.StartTls when report.Port == 25:
                    findings.Add(new SmtpFinding("STARTTLS_ONLY", SmtpFindingSeverity.Info,
                        "TLS is offered through STARTTLS only, which is the norm for server-to-server relay on port 25. Submission clients should use implicit TLS on port 465.",
                        "RFC 8314 3.3"));
                    break;
                case SmtpObservedSecurity.StartTls:
                    findings.Add(new SmtpFinding("STARTTLS_ONLY", SmtpFindingSeverity.Low,
                        "TLS is offered through STARTTLS only: an attacker on the path can strip it from clients that do not insist on it. RFC 8314 prefers implicit TLS: offer submission on port 465 too.",
                        "RFC 8314 3.3"));
                    break;
            }

            if (report.FailureKind == SmtpFailureKind.TlsHandshakeFailed || report.FailureKind == SmtpFailureKind.StartTlsRefused)
            {
                findings.Add(new SmtpFinding("TLS_HANDSHAKE_FAILED", SmtpFindingSeverity.High,
                    $"The server offers TLS but it could not be established: {report.ErrorMessage} Clients that require TLS cannot deliver; check the certificate, the TLS versions and the cipher suites.",
                    report.Security == SmtpObservedSecurity.ImplicitTls ? "RFC 8314 3.3" : "RFC 3207 4"));
            }
        }

        private static void Authentication(EndpointEvidence report, List<SmtpFinding> findings)
        {
            var inClear = report.AuthMechanismsBeforeTls;
            if (inClear.Count == 0)
            {
                return;
            }

            findings.Add(new SmtpFinding("AUTH_BEFORE_TLS", SmtpFindingSeverity.High,
                $"AUTH ({string.Join(" ", inClear)}) is offered before TLS: clients may log in unencrypted, and an attacker who strips STARTTLS collects passwords. Offer AUTH only inside TLS (Postfix: smtpd_tls_auth_only = yes).",
                "RFC 4954 4"));
            var plaintext = inClear.Where(m => PlaintextMechanisms.Contains(m, StringComparer.OrdinalIgnoreCase)).ToArray();
            if (plaintext.Length > 0)
            {
                findings.Add(new SmtpFinding("PLAINTEXT_AUTH_IN_CLEAR", SmtpFindingSeverity.Critical,
                    $"Password mechanisms {string.Join(" and ", plaintext)} are offered without encryption: a password sent with them is readable by anyone on the path (base64 is not encryption). Disable AUTH outside TLS now.",
                    "RFC 4616 6"));
            }
        }

        /// <summary>The findings on one certificate, in rule order.</summary>
        public static IReadOnlyList<SmtpFinding> CertificateFindings(SmtpCertificateInfo certificate)
        {
            var findings = new List<SmtpFinding>();
            var day = CultureInfo.InvariantCulture;
            if (certificate.IsExpired && certificate.DaysUntilExpiry < 0)
            {
                findings.Add(new SmtpFinding("CERT_EXPIRED", SmtpFindingSeverity.High,
                    string.Format(day, "The certificate expired on {0:yyyy-MM-dd} ({1} days ago): verifying clients refuse it. Renew it, and automate renewal.", certificate.NotAfter, -certificate.DaysUntilExpiry),
                    "RFC 5280 4.1.2.5"));
            }
            else if (certificate.IsExpired)
            {
                findings.Add(new SmtpFinding("CERT_NOT_YET_VALID", SmtpFindingSeverity.High,
                    string.Format(day, "The certificate is not valid before {0:yyyy-MM-dd HH:mm} UTC: check the server's clock, or the certificate's dates.", certificate.NotBefore),
                    "RFC 5280 4.1.2.5"));
            }
            else if (certificate.DaysUntilExpiry <= ExpiryWarningDays)
            {
                findings.Add(new SmtpFinding("CERT_EXPIRING", SmtpFindingSeverity.Medium,
                    string.Format(day, "The certificate expires on {0:yyyy-MM-dd}, in {1} days. Renew it before then, and check that renewal is automated.", certificate.NotAfter, certificate.DaysUntilExpiry),
                    "RFC 5280 4.1.2.5"));
            }

            if (!certificate.HostNameMatches)
            {
                var names = certificate.SubjectAlternativeNames.Count > 0 ? certificate.ListNames() : certificate.Subject;
                findings.Add(new SmtpFinding("CERT_WRONG_HOST", SmtpFindingSeverity.High,
                    $"The certificate is not valid for '{certificate.CheckedHostName}' (it names {names}): clients that check the name refuse it. Install a certificate that names this host, or connect by a name it has.",
                    "RFC 6125 6"));
            }

            if (!certificate.IsTrusted)
            {
                if (certificate.IsSelfSigned)
                {
                    findings.Add(new SmtpFinding("CERT_SELF_SIGNED", SmtpFindingSeverity.High,
                        "The certificate is self-signed: no client can verify it, so anyone on the path can impersonate the server. Use a certificate from a CA (a public one such as Let's Encrypt, or your private CA that clients trust).",
                        "RFC 8314 4.4"));
                }
                else if (!certificate.ChainComplete)
                {
                    findings.Add(new SmtpFinding("CERT_INCOMPLETE_CHAIN", SmtpFindingSeverity.High,
                        $"The server sends its certificate without the intermediate certificate(s) that link it to '{certificate.Issuer}': clients that do not already have them refuse it. Configure the full chain (Postfix: smtpd_tls_chain_files = key, certificate, then intermediates).",
                        "RFC 5246 7.4.2"));
                }
                else
                {
                    var why = certificate.ChainStatus.Count > 0 ? " (" + string.Join("; ", certificate.ChainStatus) + ")" : string.Empty;
                    findings.Add(new SmtpFinding("CERT_UNTRUSTED", SmtpFindingSeverity.High,
                        $"The certificate does not chain to a trusted root{why}. Use a certificate from a CA the clients trust; for a private CA, give its root to the clients (here: -TrustedCertificate).",
                        "RFC 8314 4.4"));
                }
            }

            if (certificate.Problems.HasFlag(SmtpCertificateProblems.ChainNotTimeValid))
            {
                findings.Add(new SmtpFinding("CERT_CHAIN_EXPIRED", SmtpFindingSeverity.High,
                    "An intermediate or root certificate of the chain is expired or not yet valid: verifying clients refuse the whole chain. Install the issuer's current intermediate (and, for a private CA, renew the root and give it to the clients).",
                    "RFC 5280 6.1.3"));
            }

            if (certificate.Problems.HasFlag(SmtpCertificateProblems.NotForServerAuth))
            {
                findings.Add(new SmtpFinding("CERT_NOT_FOR_SERVER", SmtpFindingSeverity.High,
                    "The certificate's Extended Key Usage does not include serverAuth (it was issued for another purpose, such as client authentication or code signing): TLS clients refuse it for a server. Reissue it with serverAuth.",
                    "RFC 5280 4.2.1.12"));
            }

            if (certificate.Problems.HasFlag(SmtpCertificateProblems.WeakKey))
            {
                findings.Add(new SmtpFinding("CERT_WEAK_KEY", SmtpFindingSeverity.High,
                    $"The certificate's {certificate.KeyAlgorithm} key has only {certificate.KeySize} bits, within reach of a well-funded attacker; Send-SecureMail refuses it. Reissue it with RSA {MinimumRsaKeyBits}+ or ECDSA P-256.",
                    "NIST SP 800-131A"));
            }

            if (certificate.Problems.HasFlag(SmtpCertificateProblems.WeakSignature))
            {
                var md5 = certificate.WeakSignatureAlgorithm.IndexOf("md", StringComparison.OrdinalIgnoreCase) >= 0;
                findings.Add(new SmtpFinding("CERT_WEAK_SIGNATURE", md5 ? SmtpFindingSeverity.High : SmtpFindingSeverity.Medium,
                    $"The certificate chain is signed with {certificate.WeakSignatureAlgorithm}, which can be forged{(md5 ? " in minutes" : string.Empty)}; Send-SecureMail refuses it. Reissue it with a SHA-256 signature.",
                    md5 ? "RFC 6151" : "RFC 6194"));
            }

            if (certificate.Problems.HasFlag(SmtpCertificateProblems.Revoked))
            {
                findings.Add(new SmtpFinding("CERT_REVOKED", SmtpFindingSeverity.Critical,
                    $"The issuer has revoked the certificate ({certificate.RevocationStatus}): its key may be in someone else's hands. Install a new certificate with a new key.",
                    "RFC 6960"));
            }

            if (certificate.Problems.HasFlag(SmtpCertificateProblems.RevocationUnknown))
            {
                findings.Add(new SmtpFinding("CERT_REVOCATION_UNKNOWN", SmtpFindingSeverity.Medium,
                    $"Revocation could not be checked: {certificate.RevocationStatus}. A revoked certificate would go unnoticed: make the OCSP responder or CRL named in the certificate reachable from the clients. -RequireRevocationCheck makes this fatal.",
                    "RFC 6960"));
            }

            return findings;
        }

        private static void Versions(EndpointEvidence report, List<SmtpFinding> findings)
        {
            if (report.TlsVersions.Count == 0)
            {
                return;
            }

            DeprecatedVersion(report, findings, TlsProtocolVersion.Tls10, "TLS10_ACCEPTED", "TLS 1.0", "RFC 8996 4");
            DeprecatedVersion(report, findings, TlsProtocolVersion.Tls11, "TLS11_ACCEPTED", "TLS 1.1", "RFC 8996 5");

            bool Rejected(TlsProtocolVersion version) => report.TlsVersions.Any(v => v.Version == version && v.Outcome == TlsVersionOutcome.Rejected);
            if (Rejected(TlsProtocolVersion.Tls12) && Rejected(TlsProtocolVersion.Tls13) && report.TlsVersions.Any(v => v.IsAccepted))
            {
                findings.Add(new SmtpFinding("MODERN_TLS_UNSUPPORTED", SmtpFindingSeverity.High,
                    "The server accepts neither TLS 1.2 nor TLS 1.3: current clients cannot connect securely, many not at all. Enable TLS 1.2 and 1.3.",
                    "RFC 9325 3.1.1"));
            }
            else if (Rejected(TlsProtocolVersion.Tls13))
            {
                findings.Add(new SmtpFinding("TLS13_UNSUPPORTED", SmtpFindingSeverity.Low,
                    "The server does not accept TLS 1.3. Enable it: a faster handshake, and only forward-secret AEAD cipher suites.",
                    "RFC 9325 3.1.1"));
            }
        }

        private static void DeprecatedVersion(EndpointEvidence report, List<SmtpFinding> findings, TlsProtocolVersion version, string id, string name, string reference)
        {
            var scan = report.TlsVersions.FirstOrDefault(v => v.Version == version && v.IsAccepted);
            if (scan == null)
            {
                return;
            }

            var how = scan.Outcome == TlsVersionOutcome.AcceptedNoCommonCipher ? " (no cipher suite in common with the scanner's offer, but the version is enabled)" : string.Empty;
            findings.Add(new SmtpFinding(id, SmtpFindingSeverity.Medium,
                $"The server accepts {name}{how}, deprecated since 2021 and refused by current clients anyway. Disable it (Postfix: smtpd_tls_protocols = >=TLSv1.2).",
                reference));
        }

        private static void CipherSuites(EndpointEvidence report, List<SmtpFinding> findings)
        {
            var suites = report.TlsVersions.Where(v => v.IsAccepted).Select(v => v.CipherSuite)
                .Concat(new[] { report.CipherSuite })
                .Where(s => s != null && s.StartsWith("TLS_", StringComparison.Ordinal))
                .Select(s => s!)
                .Distinct()
                .ToArray();
            var broken = suites.Where(s => BrokenCipherParts.Any(p => s.IndexOf(p, StringComparison.Ordinal) >= 0)).ToArray();
            if (broken.Length > 0)
            {
                findings.Add(new SmtpFinding("CIPHER_BROKEN", SmtpFindingSeverity.High,
                    $"The server chooses broken cipher suites ({string.Join(", ", broken)}). Remove NULL, anonymous, export, RC4, DES, 3DES and MD5 suites.",
                    "RFC 9325 4.1"));
            }

            var static_ = suites.Where(s => s.StartsWith("TLS_RSA_WITH_", StringComparison.Ordinal)).ToArray();
            if (static_.Length > 0)
            {
                findings.Add(new SmtpFinding("CIPHER_NO_FORWARD_SECRECY", SmtpFindingSeverity.Low,
                    $"The server chooses cipher suites with RSA key transport ({string.Join(", ", static_)}): a stolen key decrypts every recorded session. Prefer ECDHE suites.",
                    "RFC 9325 4.1"));
            }
        }

        private static void Extensions(EndpointEvidence report, List<SmtpFinding> findings)
        {
            var extensions = report.Extensions;
            if (extensions != null && extensions.SizeLimit == null)
            {
                findings.Add(new SmtpFinding("NO_SIZE", SmtpFindingSeverity.Low,
                    "The server does not advertise SIZE: clients learn the size limit only after sending a whole message. Advertise it (Postfix does, from message_size_limit).",
                    "RFC 1870"));
            }

            if (report.ExtensionsAfterTls?.StartTls == true)
            {
                findings.Add(new SmtpFinding("STARTTLS_INSIDE_TLS", SmtpFindingSeverity.Low,
                    "The server offers STARTTLS again inside TLS, which RFC 3207 forbids and confuses some clients. Stop advertising it once TLS is up.",
                    "RFC 3207 4.2"));
            }

            // VRFY and EXPN answer "does this address exist?" and "who is on this list?" to anyone who asks.
            if (extensions != null && Advertises(extensions, "VRFY"))
            {
                findings.Add(new SmtpFinding("VRFY_ENABLED", SmtpFindingSeverity.Low,
                    "The server advertises VRFY: anyone can check which addresses exist, which helps spammers harvest them. Disable it unless a client needs it (Postfix: disable_vrfy_command = yes; Exchange and most providers answer 252 anyway).",
                    "RFC 5321 7.3"));
            }

            if (extensions != null && Advertises(extensions, "EXPN"))
            {
                findings.Add(new SmtpFinding("EXPN_ENABLED", SmtpFindingSeverity.Low,
                    "The server advertises EXPN: anyone can read the members of a mailing list. Disable it (RFC 5321 7.3 lets servers refuse it).",
                    "RFC 5321 7.3"));
            }
        }

        private static bool Advertises(SmtpExtensions extensions, string keyword) =>
            extensions.Keywords.Any(k => k.Split(' ')[0].Equals(keyword, StringComparison.OrdinalIgnoreCase));

        // The rating of the mode alone, on what the port really did (RFC 8314 order).
        private static (SmtpSubmissionRating, string) RateMode(EndpointEvidence result)
        {
            switch (result.Status)
            {
                case SmtpPortStatus.NameNotResolved: return (SmtpSubmissionRating.Unusable, "The name did not resolve.");
                case SmtpPortStatus.Closed: return (SmtpSubmissionRating.Unusable, "Nothing listens on this port.");
                case SmtpPortStatus.Filtered: return (SmtpSubmissionRating.Unusable, "The port did not answer: filtered, or the host is down.");
                case SmtpPortStatus.NoResponse: return (SmtpSubmissionRating.Unusable, "The port accepted the connection but no SMTP server answered.");
                case SmtpPortStatus.NotSmtp: return (SmtpSubmissionRating.Unusable, "Something other than SMTP answers on this port.");
                case SmtpPortStatus.TlsFailed: return (SmtpSubmissionRating.Unusable, "TLS failed: " + (result.ErrorMessage ?? result.FailureKind.ToString()));
            }

            if (result.FailureKind == SmtpFailureKind.CommandRejected)
            {
                return (SmtpSubmissionRating.Unusable, "The server refuses sessions: " + (result.Banner ?? result.ErrorMessage));
            }

            if (result.Security == SmtpObservedSecurity.PlainOnly)
            {
                return (SmtpSubmissionRating.Insecure, result.AuthMechanismsBeforeTls.Count > 0
                    ? "No TLS, yet AUTH is offered: passwords and mail would cross the network in clear (RFC 8314 3)."
                    : "No TLS: mail would cross the network in clear (RFC 8314 3).");
            }

            if (result.Tls == null)
            {
                return (SmtpSubmissionRating.Unusable, "TLS was not established: " + (result.ErrorMessage ?? "no handshake."));
            }

            var certificate = result.Certificate;
            if (certificate != null && certificate.ValidationSkipped && certificate.Problems != SmtpCertificateProblems.None)
            {
                return (SmtpSubmissionRating.Insecure, $"TLS works only because certificate checks were skipped: the certificate is {certificate.Verdict}; anyone in between could impersonate the server.");
            }

            if (certificate != null && !certificate.IsAcceptable)
            {
                return (SmtpSubmissionRating.Unusable, $"TLS failed: the certificate is not acceptable ({certificate.Verdict}).");
            }

            if (result.TlsProtocol != TlsProtocolVersion.None && result.TlsProtocol < TlsProtocolVersion.Tls12)
            {
                return (SmtpSubmissionRating.Insecure, $"It negotiated {result.TlsProtocol}, which is deprecated (RFC 8996): TLS 1.2 or later is required.");
            }

            if (result.Port == SubmissionRanking.Smtp)
            {
                return (SmtpSubmissionRating.RelayOnly, "Port 25 is for relay between mail servers (RFC 5321), not for clients: use it only for an internal relay that accepts your mail without credentials.");
            }

            return result.Security == SmtpObservedSecurity.ImplicitTls
                ? (SmtpSubmissionRating.Preferred, "Implicit TLS with a valid certificate: the preferred way to submit mail (RFC 8314 3.3).")
                : (SmtpSubmissionRating.Acceptable, "STARTTLS with a valid certificate: fine when the client requires TLS; RFC 8314 prefers implicit TLS where offered.");
        }
    }
}
