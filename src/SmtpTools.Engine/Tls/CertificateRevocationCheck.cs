namespace SmtpTools
{
    /// <summary>How a certificate policy checks revocation of the server's leaf certificate (OCSP, then the CRL).</summary>
    public enum CertificateRevocationCheck
    {
        /// <summary>Checked when the leaf names an OCSP responder or CRL; revoked is refused, unknown (unreachable) is reported only.</summary>
        Check = 0,

        /// <summary>Checked, and a status that cannot be learnt refuses the certificate too.</summary>
        Require = 1,

        /// <summary>Not checked at all (offline networks).</summary>
        Skip = 2,
    }
}
