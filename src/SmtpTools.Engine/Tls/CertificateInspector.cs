using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace SmtpTools.Tls
{
    /// <summary>
    /// Judges a presented certificate chain. Trust, host name and dates are judged separately so each problem can be
    /// reported on its own (an expired certificate from a trusted CA is "expired", not "untrusted").
    /// </summary>
    internal static class CertificateInspector
    {
        /// <summary>The smallest RSA (or DSA) key considered strong (NIST SP 800-131A: 112-bit security).</summary>
        public const int MinimumRsaKeyBits = 2048;

        private static readonly VerdictCache<JudgedChain> JudgedChains = new VerdictCache<JudgedChain>();
        private static readonly VerdictCache<RevocationVerdict> RevocationVerdicts = new VerdictCache<RevocationVerdict>();

        // What never changes for a given certificate object (its hash, names, key), read once: sweeps see the same
        // shared certificate thousands of times (SharedCertificates), and decoding its key or matching its hundred names
        // afresh was a good part of each probe's CPU and allocation.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, LeafFacts> Facts = new System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, LeafFacts>();

        /// <summary>The smallest elliptic-curve key considered strong.</summary>
        public const int MinimumEcKeyBits = 256;

        private const string SubjectAltNameOid = "2.5.29.17";
        private const string ExtendedKeyUsageOid = "2.5.29.37";

        // Weak signature algorithms, weakest first: md2/md5 with RSA, then SHA-1 with RSA, DSA and ECDSA.
        private static readonly Dictionary<string, int> WeakSignatureOids = new Dictionary<string, int>
        {
            ["1.2.840.113549.1.1.2"] = 0,
            ["1.2.840.113549.1.1.4"] = 0,
            ["1.2.840.113549.1.1.5"] = 1,
            ["1.2.840.10040.4.3"] = 1,
            ["1.2.840.10045.4.1"] = 1,
        };

        public static SmtpCertificateInfo Inspect(
            X509Certificate2 leaf,
            IReadOnlyList<X509Certificate2> presentedChain,
            string hostName,
            CertificatePolicy policy,
            DateTimeOffset now)
        {
            var facts = FactsOf(leaf);
            var info = new SmtpCertificateInfo(leaf)
            {
                PresentedChain = presentedChain.Count > 0 ? presentedChain : new[] { leaf },
                NotBefore = facts.NotBefore,
                NotAfter = facts.NotAfter,
                Sha256Thumbprint = facts.Sha256,
                SubjectAlternativeNames = facts.Names,
                CheckedHostName = hostName,
                ValidationSkipped = policy.SkipValidation,
                KeyAlgorithm = facts.KeyAlgorithm,
                KeySize = facts.KeySize,
            };
            info.DaysUntilExpiry = (int)Math.Floor((info.NotAfter - now).TotalDays);
            info.IsExpired = now > info.NotAfter || now < info.NotBefore;
            info.HostNameMatches = facts.NameSet.Matches(hostName);
            info.IsPinned = policy.PinnedThumbprints.Count > 0 && (policy.PinnedThumbprints.Contains(leaf.Thumbprint.ToUpperInvariant()) || policy.PinnedThumbprints.Contains(info.Sha256Thumbprint));
            var chain = JudgeChain(leaf, info, policy).Path;
            info.WeakSignatureAlgorithm = WeakestSignature(chain);
            info.Problems = Problems(info, facts, chain, now);
            if (policy.Revocation != CertificateRevocationCheck.Skip && info.IsTrusted && info.Problems == SmtpCertificateProblems.None)
            {
                var anchor = chain[chain.Count - 1];
                info.Problems |= CheckRevocation(leaf, chain.Count > 1 ? chain[1] : null, info, policy, policy.TrustedRoots.Any(r => r.Thumbprint == anchor.Thumbprint));
            }

            var refused = info.Problems & ~policy.Tolerated;
            info.IsAcceptable = policy.SkipValidation || info.IsPinned || refused == SmtpCertificateProblems.None;
            return info;
        }

        /// <summary>
        /// What the user can do about a refused certificate: one sentence per problem, each naming what helps with
        /// exactly that problem (renewal for an expired one, a covered name for a wrong host, -TrustedCertificate for an
        /// unknown CA...), never a switch that would not help.
        /// </summary>
        public static string Remedy(SmtpCertificateInfo verdict)
        {
            var problems = verdict.Problems;
            if (problems.HasFlag(SmtpCertificateProblems.Revoked))
            {
                return "The issuer revoked it: the server needs a new certificate and key. Do not work around this.";
            }

            var day = CultureInfo.InvariantCulture;
            var advice = new List<string>();
            if (problems.HasFlag(SmtpCertificateProblems.Expired))
            {
                advice.Add($"It {verdict.Expiry}: the server's administrator must renew it.");
            }

            if (problems.HasFlag(SmtpCertificateProblems.NotYetValid))
            {
                advice.Add(string.Format(day, "It is valid only from {0:yyyy-MM-dd HH:mm} UTC: check this computer's clock, then the server's certificate.", verdict.NotBefore.UtcDateTime));
            }

            if (problems.HasFlag(SmtpCertificateProblems.ChainNotTimeValid))
            {
                advice.Add("A CA certificate of its chain is outside its validity dates: the server must send a current intermediate, or the CA given with -TrustedCertificate must be renewed.");
            }

            if (problems.HasFlag(SmtpCertificateProblems.WrongHost))
            {
                var names = verdict.SubjectAlternativeNames.Count == 0 ? "no name at all" : verdict.ListNames();
                advice.Add($"It covers {names}, not '{verdict.CheckedHostName}': connect with a name it covers, or have it reissued with '{verdict.CheckedHostName}' as a subject alternative name.");
            }

            if (problems.HasFlag(SmtpCertificateProblems.SelfSigned))
            {
                advice.Add($"It is self-signed: after checking its SHA-256 fingerprint {verdict.Sha256Thumbprint} with the server's administrator, pin it with Send-SecureMail -CertificateThumbprint, or trust it with -TrustedCertificate.");
            }
            else if (problems.HasFlag(SmtpCertificateProblems.IncompleteChain))
            {
                // A missing intermediate and an unknown root look the same from here (the leaf's issuer is nowhere).
                advice.Add("Its chain does not reach a trusted root: if the server does not send its intermediate certificate, fix the server's chain file (Postfix: smtpd_tls_chain_files); if it is from a private CA, give the company's CA with -TrustedCertificate (a PEM or DER file).");
            }
            else if (problems.HasFlag(SmtpCertificateProblems.Untrusted))
            {
                advice.Add("Its CA is not trusted on this computer: give the company's CA with -TrustedCertificate (a PEM or DER file), or add it to the system's trust store.");
            }

            if (problems.HasFlag(SmtpCertificateProblems.NotForServerAuth))
            {
                advice.Add("It is not issued for TLS servers (its Extended Key Usage lacks serverAuth): have it reissued for server authentication.");
            }

            if ((problems & (SmtpCertificateProblems.WeakSignature | SmtpCertificateProblems.WeakKey)) != SmtpCertificateProblems.None)
            {
                advice.Add("Its cryptography is weak: have it reissued with SHA-256 and RSA 2048+ (or ECDSA P-256); to accept it meanwhile, add -SkipCertificateStrengthCheck (it warns).");
            }

            if (problems.HasFlag(SmtpCertificateProblems.RevocationUnknown))
            {
                advice.Add("Its revocation status could not be learnt: make the OCSP responder or CRL named in it reachable, or leave out -RequireRevocationCheck.");
            }

            return advice.Count == 0 ? "Fix the server's certificate." : string.Join(" ", advice);
        }

        private static SmtpCertificateProblems Problems(SmtpCertificateInfo info, LeafFacts facts, IReadOnlyList<X509Certificate2> chain, DateTimeOffset now)
        {
            var problems = SmtpCertificateProblems.None;
            if (info.IsExpired)
            {
                problems |= now < info.NotBefore ? SmtpCertificateProblems.NotYetValid : SmtpCertificateProblems.Expired;
            }

            // RFC 5280 6.1.3 (a)(2): every certificate of the path must be within its validity, the anchor included.
            if (chain.Skip(1).Any(c => now < c.NotBefore.ToUniversalTime() || now > c.NotAfter.ToUniversalTime()))
            {
                problems |= SmtpCertificateProblems.ChainNotTimeValid;
            }

            if (!info.HostNameMatches)
            {
                problems |= SmtpCertificateProblems.WrongHost;
            }

            if (info.IsSelfSigned && !info.IsTrusted)
            {
                problems |= SmtpCertificateProblems.SelfSigned;
            }
            else if (!info.ChainComplete && !info.IsTrusted)
            {
                problems |= SmtpCertificateProblems.IncompleteChain;
            }
            else if (!info.IsTrusted && !info.IsPinned)
            {
                problems |= SmtpCertificateProblems.Untrusted;
            }

            if (!facts.AllowsServerAuthentication)
            {
                problems |= SmtpCertificateProblems.NotForServerAuth;
            }

            if (info.WeakSignatureAlgorithm.Length > 0)
            {
                problems |= SmtpCertificateProblems.WeakSignature;
            }

            if (IsWeakKey(info.KeyAlgorithm, info.KeySize))
            {
                problems |= SmtpCertificateProblems.WeakKey;
            }

            return problems;
        }

        /// <summary>RSA or DSA keys under <see cref="MinimumRsaKeyBits"/>, elliptic-curve keys under <see cref="MinimumEcKeyBits"/>.</summary>
        internal static bool IsWeakKey(string algorithm, int bits) =>
            algorithm == "ECDSA" ? bits < MinimumEcKeyBits : (algorithm == "RSA" || algorithm == "DSA") && bits < MinimumRsaKeyBits;

        // RFC 5280 4.2.1.12: without the extension any use is allowed; with it, serverAuth must be listed, as browsers
        // and MTAs require (anyExtendedKeyUsage alone is not enough for them either); an extension that does not decode
        // allows nothing. Decoded from the extension's bytes: the certificate object is shared by a sweep's threads, and
        // X509EnhancedKeyUsageExtension.EnhancedKeyUsages decodes lazily into a list it fills in place, so a second
        // thread could read it half filled (a serverAuth certificate judged "not for server authentication").
        private static bool AllowsServerAuthentication(X509Certificate2 leaf)
        {
            var usage = CertificateExtension.Find(leaf, ExtendedKeyUsageOid);
            if (usage == null)
            {
                return true;
            }

            try
            {
                return ExtendedKeyUsage.GetInstance(Asn1Object.FromByteArray(usage.RawData)).HasKeyPurposeId(KeyPurposeID.id_kp_serverAuth);
            }
            catch (Exception e) when (e is ArgumentException || e is InvalidCastException || e is System.IO.IOException || e is InvalidOperationException)
            {
                return false;
            }
        }

        // Signatures an attacker can forge (RFC 6151 for MD5, RFC 6194 / SHAmbles for SHA-1). A root's signature on
        // itself proves nothing and is not judged; MD5 is named before SHA-1 when both occur.
        private static string WeakestSignature(IReadOnlyList<X509Certificate2> chain)
        {
            var weak = chain
                .Where(c => !c.SubjectName.RawData.SequenceEqual(c.IssuerName.RawData))
                .Select(c => c.SignatureAlgorithm)
                .Where(a => a.Value != null && WeakSignatureOids.ContainsKey(a.Value))
                .OrderBy(a => WeakSignatureOids[a.Value!])
                .FirstOrDefault();
            return weak == null ? string.Empty : weak.FriendlyName ?? weak.Value!;
        }

        /// <summary>
        /// Judges what a TLS handshake presented (the arguments of a RemoteCertificateValidationCallback): the leaf,
        /// plus any intermediates the platform collected. Null when the server presented no certificate.
        /// </summary>
        public static SmtpCertificateInfo? InspectHandshake(X509Certificate? certificate, X509Chain? chain, string targetHost, CertificatePolicy policy)
        {
            if (certificate == null)
            {
                return null;
            }

            var leaf = SharedCertificates.Get(certificate.GetRawCertData());
            var presented = new List<X509Certificate2> { leaf };
            if (chain != null)
            {
                foreach (var extra in chain.ChainPolicy.ExtraStore.Cast<X509Certificate2>())
                {
                    if (presented.All(p => p.Thumbprint != extra.Thumbprint))
                    {
                        presented.Add(SharedCertificates.Get(extra.RawData));
                    }
                }
            }

            return Inspect(leaf, presented, targetHost.Trim('[', ']'), policy, DateTimeOffset.UtcNow);
        }

        /// <summary>
        /// RFC 9525 6.3 (which replaced RFC 6125): DNS names from the SAN only (a wildcard covers exactly one left-most
        /// label), IP literals only against IP SANs. The subject CN is never used, not even without DNS SANs.
        /// </summary>
        internal static bool MatchesHostName(IReadOnlyList<string> subjectAlternativeNames, string hostName) =>
            new CertificateNameSet(subjectAlternativeNames).Matches(hostName);

        // The path built, leaf first: trust and completeness go into info; dates, usage and strength are judged on the path.
        // The same chain under the same roots is judged once a minute at most (see VerdictCache).
        private static JudgedChain JudgeChain(X509Certificate2 leaf, SmtpCertificateInfo info, CertificatePolicy policy)
        {
            var key = string.Join(",", info.PresentedChain.Select(c => ReferenceEquals(c, leaf) ? info.Sha256Thumbprint : FactsOf(c).Sha256))
                + "|" + string.Join(",", policy.TrustedRoots.Select(r => r.Thumbprint));
            var judged = JudgedChains.Find(key);
            if (judged == null)
            {
                judged = BuildChain(leaf, info.PresentedChain, policy);
                JudgedChains.Remember(key, judged);
            }

            info.IsSelfSigned = judged.IsSelfSigned;
            info.ChainComplete = judged.ChainComplete;
            info.IsTrusted = judged.IsTrusted;
            info.ChainStatus = judged.ChainStatus;
            return judged;
        }

        private static JudgedChain BuildChain(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> presented, CertificatePolicy policy)
        {
            using (var chain = new X509Chain())
            {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

                // Dates are judged on every certificate of the path afterwards; here only the path to a root counts.
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
                DisableCertificateDownloads(chain.ChainPolicy);
                foreach (var cert in presented.Skip(1))
                {
                    chain.ChainPolicy.ExtraStore.Add(cert);
                }

                foreach (var root in policy.TrustedRoots)
                {
                    chain.ChainPolicy.ExtraStore.Add(root);
                }

                var built = chain.Build(leaf);
                var elements = chain.ChainElements.Cast<X509ChainElement>().Select(e => e.Certificate).ToList();
                // Dates are judged on their own (IsExpired), and some platforms report them despite IgnoreNotTimeValid.
                var statuses = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError && !IsTimeStatus(s)).ToList();
                var anchor = elements.LastOrDefault();

                var isSelfSigned = elements.Count == 1 && leaf.SubjectName.RawData.SequenceEqual(leaf.IssuerName.RawData);
                // A partial chain is the server's fault only when it sent the leaf alone: servers need not send the
                // root (RFC 5246 7.4.2), so a partial chain despite intermediates means an unknown root (untrusted).
                var chainComplete = !statuses.Contains(X509ChainStatusFlags.PartialChain) || presented.Count > 1;

                var anchoredInPolicy = anchor != null && policy.TrustedRoots.Any(r => r.Thumbprint == anchor.Thumbprint);
                // A private CA the user named explicitly: the only complaint allowed is that the OS does not know it.
                var isTrusted = (built && statuses.Count == 0) || (anchoredInPolicy && statuses.All(s => s == X509ChainStatusFlags.UntrustedRoot));

                var chainStatus = isTrusted
                    ? Array.Empty<string>()
                    : chain.ChainStatus
                        .Where(s => s.Status != X509ChainStatusFlags.NoError && !IsTimeStatus(s.Status))
                        .Select(s => s.Status + ": " + s.StatusInformation.Trim())
                        .Distinct()
                        .ToArray();

                // The path's certificates are copies with native handles; they live as long as the verdict is
                // remembered (one per distinct chain, a bounded number), not one set per probe.
                return new JudgedChain(elements.Count > 0 ? elements : new List<X509Certificate2> { leaf }, isSelfSigned, chainComplete, isTrusted, chainStatus);
            }
        }

        // Revocation learnt from a CRL or an OCSP answer is remembered like the chain; "unknown" never is (the
        // responder may answer the next time).
        private static SmtpCertificateProblems CheckRevocation(X509Certificate2 leaf, X509Certificate2? issuer, SmtpCertificateInfo info, CertificatePolicy policy, bool anchoredInPolicy)
        {
            var key = info.Sha256Thumbprint + "|" + issuer?.Thumbprint + "|" + policy.Revocation + "|" + string.Join(",", policy.TrustedRoots.Select(r => r.Thumbprint));
            var known = RevocationVerdicts.Find(key);
            if (known != null)
            {
                info.RevocationStatus = known.Status;
                return known.Problems;
            }

            var problems = CertificateRevocation.Check(leaf, issuer, info, policy, anchoredInPolicy);
            if ((problems & SmtpCertificateProblems.RevocationUnknown) == SmtpCertificateProblems.None)
            {
                RevocationVerdicts.Remember(key, new RevocationVerdict(problems, info.RevocationStatus));
            }

            return problems;
        }

        private sealed class RevocationVerdict
        {
            public RevocationVerdict(SmtpCertificateProblems problems, string status)
            {
                Problems = problems;
                Status = status;
            }

            public SmtpCertificateProblems Problems { get; }

            public string Status { get; }
        }

        private static bool IsTimeStatus(X509ChainStatusFlags status) =>
            status == X509ChainStatusFlags.NotTimeValid || status == X509ChainStatusFlags.NotTimeNested || status == X509ChainStatusFlags.CtlNotTimeValid;

        // DisableCertificateDownloads exists from .NET Core 3.0; netstandard2.0 cannot name it. Probing must not make
        // the chain builder fetch intermediates from the internet on its own.
        internal static void DisableCertificateDownloads(X509ChainPolicy chainPolicy)
        {
            var property = typeof(X509ChainPolicy).GetProperty("DisableCertificateDownloads");
            property?.SetValue(chainPolicy, true);
            chainPolicy.UrlRetrievalTimeout = TimeSpan.FromMilliseconds(1);
        }

        private static (string Algorithm, int Size) ReadKey(X509Certificate2 leaf)
        {
            using (var rsa = leaf.GetRSAPublicKey())
            {
                if (rsa != null)
                {
                    return ("RSA", rsa.KeySize);
                }
            }

            using (var ecdsa = leaf.GetECDsaPublicKey())
            {
                if (ecdsa != null)
                {
                    return ("ECDSA", ecdsa.KeySize);
                }
            }

            return (leaf.PublicKey.Oid.FriendlyName ?? leaf.PublicKey.Oid.Value ?? "unknown", leaf.PublicKey.EncodedKeyValue.RawData.Length * 8);
        }

        private static LeafFacts FactsOf(X509Certificate2 certificate) => Facts.GetValue(certificate, c => new LeafFacts(c));

        // One per certificate object: results behind one shared certificate share its names list too (a certificate for
        // a hundred host names is kilobytes per result otherwise).
        private sealed class LeafFacts
        {
            public LeafFacts(X509Certificate2 certificate)
            {
                Sha256 = Sha256Hex(certificate.RawData);
                NotBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
                NotAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
                Names = SmtpList<string>.From(ReadSubjectAlternativeNames(certificate));
                NameSet = new CertificateNameSet(Names);
                (KeyAlgorithm, KeySize) = ReadKey(certificate);
                AllowsServerAuthentication = CertificateInspector.AllowsServerAuthentication(certificate);
            }

            public bool AllowsServerAuthentication { get; }

            public string Sha256 { get; }

            public DateTimeOffset NotBefore { get; }

            public DateTimeOffset NotAfter { get; }

            public IReadOnlyList<string> Names { get; }

            public CertificateNameSet NameSet { get; }

            public string KeyAlgorithm { get; }

            public int KeySize { get; }
        }

        internal static IReadOnlyList<string> ReadSubjectAlternativeNames(X509Certificate2 certificate)
        {
            var extension = CertificateExtension.Find(certificate, SubjectAltNameOid);
            if (extension == null)
            {
                return Array.Empty<string>();
            }

            var names = new List<string>();
            try
            {
                foreach (var name in GeneralNames.GetInstance(Asn1Object.FromByteArray(extension.RawData)).GetNames())
                {
                    switch (name.TagNo)
                    {
                        case GeneralName.DnsName:
                            names.Add("DNS:" + DerIA5String.GetInstance(name.Name).GetString());
                            break;
                        case GeneralName.IPAddress:
                            var bytes = Asn1OctetString.GetInstance(name.Name).GetOctets();
                            if (bytes.Length == 4 || bytes.Length == 16)
                            {
                                names.Add("IP:" + new IPAddress(bytes));
                            }

                            break;
                        case GeneralName.Rfc822Name:
                            names.Add("email:" + DerIA5String.GetInstance(name.Name).GetString());
                            break;
                        case GeneralName.UniformResourceIdentifier:
                            names.Add("URI:" + DerIA5String.GetInstance(name.Name).GetString());
                            break;
                    }
                }
            }
            catch (Exception e) when (e is ArgumentException || e is InvalidOperationException || e is System.IO.IOException)
            {
                // A malformed extension is reported as no names: the host-name check then fails, which is the safe answer.
            }

            return names;
        }

        private static string Sha256Hex(byte[] data)
        {
            using (var sha = SHA256.Create())
            {
                return BitConverter.ToString(sha.ComputeHash(data)).Replace("-", string.Empty);
            }
        }
    }
}
