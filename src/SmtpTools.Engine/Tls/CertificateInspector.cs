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
        private const string SubjectAltNameOid = "2.5.29.17";

        public static SmtpCertificateInfo Inspect(
            X509Certificate2 leaf,
            IReadOnlyList<X509Certificate2> presentedChain,
            string hostName,
            CertificatePolicy policy,
            DateTimeOffset now)
        {
            var info = new SmtpCertificateInfo(leaf)
            {
                PresentedChain = presentedChain.Count > 0 ? presentedChain : new[] { leaf },
                NotBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime(), TimeSpan.Zero),
                NotAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero),
                Sha256Thumbprint = Sha256Hex(leaf.RawData),
                SubjectAlternativeNames = ReadSubjectAlternativeNames(leaf),
                CheckedHostName = hostName,
                ValidationSkipped = policy.SkipValidation,
            };
            info.DaysUntilExpiry = (int)Math.Floor((info.NotAfter - now).TotalDays);
            info.IsExpired = now > info.NotAfter || now < info.NotBefore;
            ReadKey(leaf, info);
            info.HostNameMatches = MatchesHostName(info.SubjectAlternativeNames, leaf, hostName);
            info.IsPinned = policy.PinnedThumbprints.Contains(leaf.Thumbprint.ToUpperInvariant()) || policy.PinnedThumbprints.Contains(info.Sha256Thumbprint);
            JudgeChain(leaf, info, policy);
            info.IsAcceptable = policy.SkipValidation || info.IsPinned || (info.IsTrusted && info.HostNameMatches && !info.IsExpired);
            return info;
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

            var leaf = new X509Certificate2(certificate.Export(X509ContentType.Cert));
            var presented = new List<X509Certificate2> { leaf };
            if (chain != null)
            {
                foreach (var extra in chain.ChainPolicy.ExtraStore.Cast<X509Certificate2>())
                {
                    if (presented.All(p => p.Thumbprint != extra.Thumbprint))
                    {
                        presented.Add(new X509Certificate2(extra.RawData));
                    }
                }
            }

            return Inspect(leaf, presented, targetHost.Trim('[', ']'), policy, DateTimeOffset.UtcNow);
        }

        /// <summary>RFC 6125 6.4: DNS names from the SAN (a wildcard covers exactly one left-most label); IP literals only against IP SANs; the CN only when there is no DNS SAN.</summary>
        internal static bool MatchesHostName(IReadOnlyList<string> subjectAlternativeNames, X509Certificate2? leaf, string hostName)
        {
            if (string.IsNullOrWhiteSpace(hostName))
            {
                return false;
            }

            var host = hostName.Trim().TrimEnd('.');
            if (host.StartsWith("[", StringComparison.Ordinal) && host.EndsWith("]", StringComparison.Ordinal))
            {
                host = host.Substring(1, host.Length - 2);
            }

            if (IPAddress.TryParse(host, out var address))
            {
                return subjectAlternativeNames
                    .Where(n => n.StartsWith("IP:", StringComparison.Ordinal))
                    .Any(n => IPAddress.TryParse(n.Substring(3), out var san) && san.Equals(address));
            }

            host = ToAscii(host);
            var dnsNames = subjectAlternativeNames
                .Where(n => n.StartsWith("DNS:", StringComparison.Ordinal))
                .Select(n => n.Substring(4))
                .ToList();
            if (dnsNames.Count == 0 && leaf != null)
            {
                var cn = leaf.GetNameInfo(X509NameType.SimpleName, false);
                if (!string.IsNullOrEmpty(cn))
                {
                    dnsNames.Add(cn);
                }
            }

            return dnsNames.Any(pattern => DnsNameMatches(pattern, host));
        }

        private static bool DnsNameMatches(string pattern, string host)
        {
            pattern = ToAscii(pattern.Trim().TrimEnd('.'));
            if (!pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
            }

            var suffix = pattern.Substring(1); // ".example.com"
            if (!host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            var label = host.Substring(0, host.Length - suffix.Length);

            // One whole label, and never a wildcard directly under a public suffix-like single label ("*.com").
            return label.Length > 0 && label.IndexOf('.') < 0 && suffix.IndexOf('.', 1) > 0;
        }

        private static string ToAscii(string name)
        {
            try
            {
                return new IdnMapping().GetAscii(name);
            }
            catch (ArgumentException)
            {
                return name;
            }
        }

        private static void JudgeChain(X509Certificate2 leaf, SmtpCertificateInfo info, CertificatePolicy policy)
        {
            using (var chain = new X509Chain())
            {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;

                // Expiry is judged on its own; here only the path to a root counts.
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
                DisableCertificateDownloads(chain.ChainPolicy);
                foreach (var cert in info.PresentedChain.Skip(1))
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

                info.IsSelfSigned = elements.Count == 1 && leaf.SubjectName.RawData.SequenceEqual(leaf.IssuerName.RawData);
                // A partial chain is the server's fault only when it sent the leaf alone: servers need not send the
                // root (RFC 5246 7.4.2), so a partial chain despite intermediates means an unknown root (untrusted).
                info.ChainComplete = !statuses.Contains(X509ChainStatusFlags.PartialChain) || info.PresentedChain.Count > 1;

                var anchoredInPolicy = anchor != null && policy.TrustedRoots.Any(r => r.Thumbprint == anchor.Thumbprint);
                if (built && statuses.Count == 0)
                {
                    info.IsTrusted = true;
                }
                else if (anchoredInPolicy && statuses.All(s => s == X509ChainStatusFlags.UntrustedRoot))
                {
                    // A private CA the user named explicitly: the only complaint allowed is that the OS does not know it.
                    info.IsTrusted = true;
                }

                info.ChainStatus = info.IsTrusted
                    ? Array.Empty<string>()
                    : chain.ChainStatus
                        .Where(s => s.Status != X509ChainStatusFlags.NoError && !IsTimeStatus(s.Status))
                        .Select(s => s.Status + ": " + s.StatusInformation.Trim())
                        .Distinct()
                        .ToArray();
            }
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

        private static void ReadKey(X509Certificate2 leaf, SmtpCertificateInfo info)
        {
            using (var rsa = leaf.GetRSAPublicKey())
            {
                if (rsa != null)
                {
                    info.KeyAlgorithm = "RSA";
                    info.KeySize = rsa.KeySize;
                    return;
                }
            }

            using (var ecdsa = leaf.GetECDsaPublicKey())
            {
                if (ecdsa != null)
                {
                    info.KeyAlgorithm = "ECDSA";
                    info.KeySize = ecdsa.KeySize;
                    return;
                }
            }

            info.KeyAlgorithm = leaf.PublicKey.Oid.FriendlyName ?? leaf.PublicKey.Oid.Value ?? "unknown";
            info.KeySize = leaf.PublicKey.EncodedKeyValue.RawData.Length * 8;
        }

        internal static IReadOnlyList<string> ReadSubjectAlternativeNames(X509Certificate2 certificate)
        {
            var extension = certificate.Extensions.Cast<System.Security.Cryptography.X509Certificates.X509Extension>().FirstOrDefault(e => e.Oid?.Value == SubjectAltNameOid);
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
