using System;

namespace SmtpTools
{
    /// <summary>
    /// What is wrong with a server certificate, as facts code can branch on (<c>$c.Problems -band 'WeakKey'</c>,
    /// <c>$c.Problems.HasFlag('Revoked')</c>). <see cref="SmtpCertificateInfo.Verdict"/> is the same, as display text.
    /// </summary>
    [Flags]
    public enum SmtpCertificateProblems
    {
        /// <summary>Nothing wrong.</summary>
        None = 0,

        /// <summary>The leaf certificate's validity ended (RFC 5280 4.1.2.5).</summary>
        Expired = 1 << 0,

        /// <summary>The leaf certificate's validity has not begun yet.</summary>
        NotYetValid = 1 << 1,

        /// <summary>An intermediate or the root of the chain is expired or not yet valid (RFC 5280 6.1.3).</summary>
        ChainNotTimeValid = 1 << 2,

        /// <summary>No subject alternative name matches the host name connected to (RFC 9525 6.3; the CN is never used).</summary>
        WrongHost = 1 << 3,

        /// <summary>The certificate signs itself and is not a trusted root.</summary>
        SelfSigned = 1 << 4,

        /// <summary>The server sent the leaf alone and the intermediates needed to reach a root are missing.</summary>
        IncompleteChain = 1 << 5,

        /// <summary>The chain does not lead to a trusted root.</summary>
        Untrusted = 1 << 6,

        /// <summary>The leaf's Extended Key Usage does not include serverAuth (RFC 5280 4.2.1.12).</summary>
        NotForServerAuth = 1 << 7,

        /// <summary>A certificate of the chain (not the root's self-signature) is signed with SHA-1 or MD5 (RFC 6194, RFC 6151).</summary>
        WeakSignature = 1 << 8,

        /// <summary>The leaf's key is too short: RSA or DSA under 2048 bits, elliptic curves under 256 (NIST SP 800-131A).</summary>
        WeakKey = 1 << 9,

        /// <summary>The issuer revoked the leaf certificate (OCSP or CRL said so).</summary>
        Revoked = 1 << 10,

        /// <summary>The leaf names an OCSP responder or CRL, but none gave an answer in time: revocation status unknown.</summary>
        RevocationUnknown = 1 << 11,
    }
}
