using System;
using System.Collections.Generic;
using System.Linq;

namespace SmtpTools.Rules
{
    /// <summary>
    /// The cipher scan's part of the one rule set: a finding per kind of weak suite the server accepts (offered to it,
    /// not necessarily chosen by default). Each suite counts once, under its worst weakness, so an EXPORT suite is not
    /// also reported for its missing forward secrecy. The advice names the Postfix exclusion (OpenSSL cipher-string
    /// syntax, so other OpenSSL-based servers read it the same way).
    /// </summary>
    internal static class CipherSuiteRules
    {
        private const int Listed = 4;

        // Worst first: the order a suite's weaknesses are looked at, and the findings' order within a severity.
        private static readonly Rule[] Rules =
        {
            new Rule(TlsCipherWeakness.NullEncryption, "CIPHER_NULL_ACCEPTED", SmtpFindingSeverity.High, "RFC 9325 4.1",
                "without encryption (NULL)", "a client that offers them sends mail and passwords in clear", "eNULL"),
            new Rule(TlsCipherWeakness.Export, "CIPHER_EXPORT_ACCEPTED", SmtpFindingSeverity.High, "RFC 9325 4.1",
                "export-grade", "40- and 56-bit keys break in minutes (FREAK, Logjam)", "EXPORT"),
            new Rule(TlsCipherWeakness.Anonymous, "CIPHER_ANONYMOUS_ACCEPTED", SmtpFindingSeverity.High, "RFC 5246 A.5",
                "anonymous", "they authenticate no server, so anyone on the path can sit in the middle", "aNULL"),
            new Rule(TlsCipherWeakness.Rc4, "CIPHER_RC4_ACCEPTED", SmtpFindingSeverity.High, "RFC 7465",
                "RC4", "RC4's biases leak plaintext and RFC 7465 prohibits it", "RC4"),
            new Rule(TlsCipherWeakness.Des, "CIPHER_DES_ACCEPTED", SmtpFindingSeverity.High, "RFC 9325 4.1",
                "single-DES", "56-bit keys are broken", "DES"),
            new Rule(TlsCipherWeakness.TripleDes, "CIPHER_3DES_ACCEPTED", SmtpFindingSeverity.Medium, "RFC 9325 4.1",
                "3DES", "a 64-bit block is open to Sweet32 on long sessions", "3DES"),
            new Rule(TlsCipherWeakness.NoForwardSecrecy, "CIPHER_NO_FORWARD_SECRECY_ACCEPTED", SmtpFindingSeverity.Low, "RFC 9325 4.1",
                "static-key (no forward secrecy)", "with RSA key transport a stolen server key decrypts every recorded session", "kRSA"),
            new Rule(TlsCipherWeakness.CbcSha1, "CIPHER_CBC_SHA1_ACCEPTED", SmtpFindingSeverity.Low, "RFC 9325 4.2",
                "CBC with SHA-1", "MAC-then-encrypt CBC is the family of Lucky13 and padding-oracle attacks; RFC 9325 recommends AEAD suites (GCM, ChaCha20-Poly1305)", "SHA1"),
        };

        /// <summary>Adds the findings for the weak suites of <paramref name="report"/>'s cipher scan.</summary>
        public static void AcceptedSuites(EndpointEvidence report, List<SmtpFinding> findings)
        {
            var weak = report.CipherSuiteScans.SelectMany(s => s.AcceptedCipherSuites).Where(s => s.IsWeak).ToArray();
            foreach (var rule in Rules)
            {
                var suites = weak.Where(s => WorstOf(s.Weakness) == rule).ToArray();
                if (suites.Length > 0)
                {
                    findings.Add(rule.Finding(suites, report.Port == 25 && report.Security == SmtpObservedSecurity.StartTls));
                }
            }
        }

        private static Rule? WorstOf(TlsCipherWeakness weakness) => Rules.FirstOrDefault(r => (weakness & r.Weakness) != 0);

        private sealed class Rule
        {
            private readonly string _kind;
            private readonly string _why;
            private readonly string _exclusion;

            public Rule(TlsCipherWeakness weakness, string id, SmtpFindingSeverity severity, string reference, string kind, string why, string exclusion)
            {
                Weakness = weakness;
                Id = id;
                Severity = severity;
                Reference = reference;
                _kind = kind;
                _why = why;
                _exclusion = exclusion;
            }

            public TlsCipherWeakness Weakness { get; }

            public string Id { get; }

            public SmtpFindingSeverity Severity { get; }

            public string Reference { get; }

            public SmtpFinding Finding(IReadOnlyList<TlsCipherSuite> suites, bool relayOnPort25)
            {
                var why = Severity == SmtpFindingSeverity.High ? _why : char.ToUpperInvariant(_why[0]) + _why.Substring(1);
                // One name per suite, with the versions that accepted it: "TLS_RSA_WITH_AES_128_CBC_SHA (Tls10, Tls12)".
                var named = suites.GroupBy(s => s.Name)
                    .Select(g => $"{g.Key} ({string.Join(", ", g.Select(s => s.Version).Distinct().OrderBy(v => v))})")
                    .ToArray();
                var list = string.Join(", ", named.Take(Listed)) + (named.Length > Listed ? $" and {named.Length - Listed} more (CipherSuiteScans)" : string.Empty);
                var severity = Severity;
                var context = string.Empty;
                if (Weakness == TlsCipherWeakness.Anonymous && relayOnPort25)
                {
                    // Between MTAs, unauthenticated TLS beats plaintext and Postfix enables these on purpose (RFC 7435).
                    severity = SmtpFindingSeverity.Low;
                    context = " On an MX with opportunistic STARTTLS this is Postfix's deliberate default (RFC 7435: unauthenticated encryption beats none), but a client that insists on a verified certificate never gets them anyway.";
                }

                var but = Severity == SmtpFindingSeverity.High ? "Current clients do not offer them, but " : string.Empty;
                var message = $"The server accepts {named.Length} {_kind} cipher suite{(named.Length == 1 ? string.Empty : "s")}: {list}. {but}{why}. Remove them (Postfix: add {_exclusion} to smtpd_tls_exclude_ciphers).{context}";
                return new SmtpFinding(Id, severity, message, Reference);
            }
        }
    }
}
