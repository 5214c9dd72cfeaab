using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools
{
    /// <summary>A server certificate and the verdict on it: chain, trust, host name, dates, key.</summary>
    public sealed class SmtpCertificateInfo
    {
        internal SmtpCertificateInfo(X509Certificate2 certificate)
        {
            Certificate = certificate;
        }

        // The leaf certificate the server presented: a method, not a property, so that ConvertTo-Json and Export-Csv
        // write the summary below (subject, thumbprints, names, dates, verdict) rather than the whole certificate.
        internal X509Certificate2 Certificate { get; }

        /// <summary>The leaf certificate the server presented, whole (raw data, extensions, public key): Export-Certificate, Get-PfxCertificate-style inspection, pinning.</summary>
        public X509Certificate2 GetCertificate() => Certificate;

        /// <summary>The certificates the server presented, leaf first, whole; <see cref="PresentedChainLength"/> says how many.</summary>
        public IReadOnlyList<X509Certificate2> GetPresentedChain() => PresentedChain;

        /// <summary>How many certificates the server presented (leaf and intermediates).</summary>
        public int PresentedChainLength => PresentedChain.Count;

        /// <summary>The leaf's subject distinguished name.</summary>
        public string Subject => Certificate.Subject;

        /// <summary>The leaf's issuer distinguished name.</summary>
        public string Issuer => Certificate.Issuer;

        /// <summary>The leaf's SHA-1 thumbprint (what Windows shows and pins by).</summary>
        public string Thumbprint => Certificate.Thumbprint;

        /// <summary>The leaf's SHA-256 thumbprint.</summary>
        public string Sha256Thumbprint { get; internal set; } = string.Empty;

        /// <summary>Subject alternative names, as "DNS:name" or "IP:address".</summary>
        public IReadOnlyList<string> SubjectAlternativeNames { get => _subjectAlternativeNames; internal set => _subjectAlternativeNames = SmtpList<string>.From(value); }

        private IReadOnlyList<string> _subjectAlternativeNames = SmtpList<string>.Empty;

        /// <summary>Start of validity.</summary>
        public DateTimeOffset NotBefore { get; internal set; }

        /// <summary>End of validity.</summary>
        public DateTimeOffset NotAfter { get; internal set; }

        /// <summary>Whole days until <see cref="NotAfter"/>, negative when expired.</summary>
        public int DaysUntilExpiry { get; internal set; }

        /// <summary>The certificate has expired or is not yet valid.</summary>
        public bool IsExpired { get; internal set; }

        /// <summary>Public key algorithm: RSA, ECDSA, Ed25519...</summary>
        public string KeyAlgorithm { get; internal set; } = string.Empty;

        /// <summary>Public key size in bits.</summary>
        public int KeySize { get; internal set; }

        /// <summary>The host name the certificate was checked against.</summary>
        public string CheckedHostName { get; internal set; } = string.Empty;

        /// <summary>The certificate is valid for <see cref="CheckedHostName"/> (RFC 6125).</summary>
        public bool HostNameMatches { get; internal set; }

        /// <summary>Issuer and subject are the same and it signs itself.</summary>
        public bool IsSelfSigned { get; internal set; }

        /// <summary>A chain to a trusted root was built.</summary>
        public bool IsTrusted { get; internal set; }

        /// <summary>Trusted because the policy pinned this certificate's thumbprint.</summary>
        public bool IsPinned { get; internal set; }

        /// <summary>The server sent every intermediate needed to reach the root.</summary>
        public bool ChainComplete { get; internal set; }

        /// <summary>Why the chain is not trusted, one entry per problem; empty when trusted.</summary>
        public IReadOnlyList<string> ChainStatus { get => _chainStatus; internal set => _chainStatus = SmtpList<string>.From(value); }

        private IReadOnlyList<string> _chainStatus = SmtpList<string>.Empty;

        // The certificates the server presented, leaf first (GetPresentedChain()).
        internal IReadOnlyList<X509Certificate2> PresentedChain { get => _presentedChain; set => _presentedChain = SmtpList<X509Certificate2>.From(value); }

        private IReadOnlyList<X509Certificate2> _presentedChain = SmtpList<X509Certificate2>.Empty;

        /// <summary>The certificate passes the policy in force: trusted (or pinned) and for the right host, or the check was skipped.</summary>
        public bool IsAcceptable { get; internal set; }

        /// <summary>True when the policy skipped validation: the verdict above is reported, not enforced.</summary>
        public bool ValidationSkipped { get; internal set; }

        /// <summary>Every problem found, as flags; <see cref="SmtpCertificateProblems.None"/> when the certificate is sound.</summary>
        public SmtpCertificateProblems Problems { get; internal set; }

        /// <summary>The weakest signature algorithm in the chain when it is SHA-1 or MD5 (such as "md5RSA"); empty otherwise.</summary>
        public string WeakSignatureAlgorithm { get; internal set; } = string.Empty;

        /// <summary>What the revocation check found, in words: "good (OCSP)", "revoked", "not checked: ...", "unknown: ...".</summary>
        public string RevocationStatus { get; internal set; } = "not checked";

        /// <summary>A one-line verdict: "valid", or the problems found (the same facts as <see cref="Problems"/>).</summary>
        public string Verdict
        {
            get
            {
                var problems = new List<string>();
                void Add(SmtpCertificateProblems flag, string text)
                {
                    if ((Problems & flag) != 0)
                    {
                        problems.Add(text);
                    }
                }

                Add(SmtpCertificateProblems.Expired, "expired");
                Add(SmtpCertificateProblems.NotYetValid, "not yet valid");
                Add(SmtpCertificateProblems.ChainNotTimeValid, "chain certificate expired or not yet valid");
                Add(SmtpCertificateProblems.WrongHost, "wrong host");
                Add(SmtpCertificateProblems.SelfSigned, "self-signed");
                Add(SmtpCertificateProblems.IncompleteChain, "incomplete chain");
                Add(SmtpCertificateProblems.Untrusted, "untrusted");
                Add(SmtpCertificateProblems.NotForServerAuth, "not for server authentication");
                Add(SmtpCertificateProblems.WeakSignature, "weak signature (" + WeakSignatureAlgorithm + ")");
                Add(SmtpCertificateProblems.WeakKey, $"weak key ({KeyAlgorithm} {KeySize})");
                Add(SmtpCertificateProblems.Revoked, "revoked");
                Add(SmtpCertificateProblems.RevocationUnknown, "revocation unknown");
                return problems.Count == 0 ? (IsPinned && !IsTrusted ? "valid (pinned)" : "valid") : string.Join(", ", problems);
            }
        }

        /// <inheritdoc />
        public override string ToString() => $"{Subject} ({Verdict}; {Expiry})";

        /// <summary>
        /// When the certificate stops being valid, in words and ISO dates: "expires 2027-12-01 (in 364 days)",
        /// "expires today", "expired 2026-10-31 (31 days ago)", or "valid from 2027-01-01" before its start.
        /// </summary>
        public string Expiry
        {
            get
            {
                var day = System.Globalization.CultureInfo.InvariantCulture;
                if (IsExpired && DaysUntilExpiry >= 0)
                {
                    return string.Format(day, "valid from {0:yyyy-MM-dd}", NotBefore);
                }

                return DaysUntilExpiry > 0 ? string.Format(day, "expires {0:yyyy-MM-dd} (in {1})", NotAfter, Days(DaysUntilExpiry))
                    : DaysUntilExpiry == 0 && !IsExpired ? string.Format(day, "expires {0:yyyy-MM-dd} (today)", NotAfter)
                    : string.Format(day, "expired {0:yyyy-MM-dd} ({1} ago)", NotAfter, Days(Math.Max(1, -DaysUntilExpiry)));
            }
        }

        /// <summary>How many of its subject alternative names a message lists before it counts the rest.</summary>
        internal const int NamesListed = 5;

        /// <summary>
        /// Its names for a message: all of them up to <see cref="NamesListed"/>, else that many and how many more
        /// ("DNS:a, DNS:b, DNS:c, DNS:d, DNS:e and 137 more"), so a provider's certificate with a hundred names still makes a
        /// readable sentence (and a sweep does not keep a page of names in every result); empty when it has none.
        /// <see cref="SubjectAlternativeNames"/> has them all.
        /// </summary>
        internal string ListNames()
        {
            var names = SubjectAlternativeNames;
            if (names.Count <= NamesListed)
            {
                return string.Join(", ", names);
            }

            var listed = new string[NamesListed];
            for (var i = 0; i < NamesListed; i++)
            {
                listed[i] = names[i];
            }

            return string.Join(", ", listed) + " and " + (names.Count - NamesListed).ToString(System.Globalization.CultureInfo.InvariantCulture) + " more";
        }

        private static string Days(int days) => days == 1 ? "1 day" : days.ToString(System.Globalization.CultureInfo.InvariantCulture) + " days";
    }
}
