using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools
{
    /// <summary>
    /// How a server certificate is judged. The default verifies the chain against the system's roots and the host name.
    /// Trusting a private CA or pinning a certificate is explicit; skipping the check is explicit and loud.
    /// </summary>
    public sealed class CertificatePolicy
    {
        /// <summary>The default: system roots, host name checked, nothing skipped.</summary>
        public static CertificatePolicy Default { get; } = new CertificatePolicy();

        /// <summary>Creates a policy.</summary>
        /// <param name="trustedRoots">Extra root (or intermediate) certificates to trust as anchors, such as a private CA.</param>
        /// <param name="pinnedThumbprints">SHA-1 or SHA-256 hex thumbprints of leaf certificates accepted whatever their chain.</param>
        /// <param name="skipValidation">Accept any certificate. The verdict is still computed and reported.</param>
        /// <param name="skipStrengthCheck">Accept SHA-1 or MD5 signatures and short keys (reported, not refused).</param>
        /// <param name="revocation">Whether revocation is checked, and whether an unknown status refuses the certificate.</param>
        public CertificatePolicy(
            IEnumerable<X509Certificate2>? trustedRoots = null,
            IEnumerable<string>? pinnedThumbprints = null,
            bool skipValidation = false,
            bool skipStrengthCheck = false,
            CertificateRevocationCheck revocation = CertificateRevocationCheck.Check)
        {
            SkipStrengthCheck = skipStrengthCheck;
            Revocation = revocation;
            TrustedRoots = (trustedRoots ?? Enumerable.Empty<X509Certificate2>()).ToArray();
            PinnedThumbprints = (pinnedThumbprints ?? Enumerable.Empty<string>())
                .Select(NormalizeThumbprint)
                .Where(t => t.Length > 0)
                .ToArray();
            SkipValidation = skipValidation;
        }

        /// <summary>Extra trust anchors.</summary>
        public IReadOnlyList<X509Certificate2> TrustedRoots { get; }

        /// <summary>Pinned leaf thumbprints, upper-case hex without separators.</summary>
        public IReadOnlyList<string> PinnedThumbprints { get; }

        /// <summary>True when any certificate is accepted.</summary>
        public bool SkipValidation { get; }

        /// <summary>True when weak signatures and short keys are reported but not refused.</summary>
        public bool SkipStrengthCheck { get; }

        /// <summary>How revocation is checked.</summary>
        public CertificateRevocationCheck Revocation { get; }

        /// <summary>How long the OCSP question may take, and the CRL download after it; the whole revocation check takes at most twice this.</summary>
        public TimeSpan RevocationTimeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>The problems this policy reports without refusing the certificate.</summary>
        public SmtpCertificateProblems Tolerated =>
            (SkipStrengthCheck ? SmtpCertificateProblems.WeakSignature | SmtpCertificateProblems.WeakKey : SmtpCertificateProblems.None)
            | (Revocation == CertificateRevocationCheck.Require ? SmtpCertificateProblems.None : SmtpCertificateProblems.RevocationUnknown);

        /// <summary>Removes spaces and colons and upper-cases a thumbprint as users paste it.</summary>
        public static string NormalizeThumbprint(string thumbprint) =>
            new string((thumbprint ?? string.Empty).Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant();
    }
}
