using System;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace SmtpTools.Tls
{
    /// <summary>
    /// Asks the leaf's issuer whether it revoked the leaf: OCSP (RFC 6960) at the responder named in the leaf's
    /// Authority Information Access, else the CRL (RFC 5280) at its CRL Distribution Point, through the platform's chain
    /// engine. A leaf that names neither cannot be checked and is not judged (private CAs often publish none).
    /// </summary>
    internal static class CertificateRevocation
    {
        private const string AuthorityInfoAccessOid = "1.3.6.1.5.5.7.1.1";
        private const string CrlDistributionPointsOid = "2.5.29.31";

        /// <summary>Revoked, RevocationUnknown or None; the words go to <see cref="SmtpCertificateInfo.RevocationStatus"/>.</summary>
        /// <param name="leaf">The server's certificate.</param>
        /// <param name="issuer">The leaf's issuer from the built chain; null when unknown (no OCSP question can be asked).</param>
        /// <param name="info">The verdict so far (its presented chain is used).</param>
        /// <param name="policy">Trusted roots and the revocation timeout.</param>
        /// <param name="anchoredInPolicy">The chain ends in one of the policy's own trusted roots, not a system root.</param>
        public static SmtpCertificateProblems Check(X509Certificate2 leaf, X509Certificate2? issuer, SmtpCertificateInfo info, CertificatePolicy policy, bool anchoredInPolicy)
        {
            var responder = issuer == null ? null : OcspQuery.ResponderUrls(leaf).FirstOrDefault();
            var crl = CertificateExtension.Find(leaf, CrlDistributionPointsOid) != null;
            if (responder == null && !crl)
            {
                info.RevocationStatus = "not checked: the certificate names no OCSP responder and no CRL";
                return SmtpCertificateProblems.None;
            }

            // OCSP first (one small signed answer), the CRL only when OCSP gave none. A stapled OCSP response would come
            // first of all, but SslStream does not hand it to the validation callback.
            var why = string.Empty;
            if (responder != null)
            {
                var revoked = OcspQuery.IsRevoked(leaf, issuer!, responder, policy.RevocationTimeout, out why);
                if (revoked.HasValue)
                {
                    info.RevocationStatus = why;
                    return revoked.Value ? SmtpCertificateProblems.Revoked : SmtpCertificateProblems.None;
                }

                if (!crl)
                {
                    info.RevocationStatus = "unknown: " + why;
                    return SmtpCertificateProblems.RevocationUnknown;
                }
            }

            return CheckCrl(leaf, info, policy, anchoredInPolicy, why);
        }

        // The CRL through the platform's chain engine, which downloads, caches and verifies it.
        private static SmtpCertificateProblems CheckCrl(X509Certificate2 leaf, SmtpCertificateInfo info, CertificatePolicy policy, bool anchoredInPolicy, string ocspFailure)
        {
            using (var chain = new X509Chain())
            {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.Online;
                chain.ChainPolicy.RevocationFlag = X509RevocationFlag.EndCertificateOnly;
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority | X509VerificationFlags.IgnoreNotTimeValid;
                foreach (var cert in info.PresentedChain.Skip(1).Concat(policy.TrustedRoots))
                {
                    chain.ChainPolicy.ExtraStore.Add(cert);
                }

                chain.ChainPolicy.UrlRetrievalTimeout = policy.RevocationTimeout;
                TrustOnly(chain.ChainPolicy, policy, anchoredInPolicy);
                chain.Build(leaf);
                var statuses = chain.ChainElements.Count > 0
                    ? chain.ChainElements[0].ChainElementStatus
                    : chain.ChainStatus;
                const string how = "CRL";
                if (statuses.Any(s => s.Status == X509ChainStatusFlags.Revoked))
                {
                    info.RevocationStatus = $"revoked ({how})";
                    return SmtpCertificateProblems.Revoked;
                }

                var unknown = statuses.FirstOrDefault(s => s.Status == X509ChainStatusFlags.RevocationStatusUnknown || s.Status == X509ChainStatusFlags.OfflineRevocation);
                if (unknown.Status != X509ChainStatusFlags.NoError)
                {
                    info.RevocationStatus = $"unknown: {(ocspFailure.Length > 0 ? ocspFailure + "; " : string.Empty)}no answer from the CRL named in the certificate within {policy.RevocationTimeout.TotalSeconds:0.#} s ({unknown.StatusInformation.Trim()})";
                    return SmtpCertificateProblems.RevocationUnknown;
                }

                info.RevocationStatus = $"good ({how})";
                return SmtpCertificateProblems.None;
            }
        }

        // The platform checks revocation only on a chain it trusts. A chain anchored in a CA the user named
        // (-TrustedCertificate) is trusted through a custom root store (.NET 5+: ChainPolicy.TrustMode and
        // CustomTrustStore, which netstandard2.0 cannot name); elsewhere the system's roots stay in force.
        private static void TrustOnly(X509ChainPolicy chainPolicy, CertificatePolicy policy, bool anchoredInPolicy)
        {
            if (!anchoredInPolicy)
            {
                return;
            }

            var store = typeof(X509ChainPolicy).GetProperty("CustomTrustStore")?.GetValue(chainPolicy) as X509Certificate2Collection;
            var mode = typeof(X509ChainPolicy).GetProperty("TrustMode");
            if (store == null || mode == null)
            {
                return;
            }

            foreach (var root in policy.TrustedRoots)
            {
                store.Add(root);
            }

            mode.SetValue(chainPolicy, Enum.ToObject(mode.PropertyType, 1)); // X509ChainTrustMode.CustomRootTrust
        }
    }
}
