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
        public CertificatePolicy(IEnumerable<X509Certificate2>? trustedRoots = null, IEnumerable<string>? pinnedThumbprints = null, bool skipValidation = false)
        {
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

        /// <summary>Removes spaces and colons and upper-cases a thumbprint as users paste it.</summary>
        public static string NormalizeThumbprint(string thumbprint) =>
            new string((thumbprint ?? string.Empty).Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant();
    }
}
