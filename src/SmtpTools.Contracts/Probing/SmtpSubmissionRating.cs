namespace SmtpTools
{
    /// <summary>
    /// How fit one endpoint is for submitting mail (with credentials), judged by what it really did, in the order of
    /// RFC 8314: implicit TLS first, then STARTTLS; port 25 is for relay between servers; plaintext never. Values
    /// grow with fitness, so results sort and compare ("-ge 'Acceptable'").
    /// </summary>
    public enum SmtpSubmissionRating
    {
        /// <summary>No working SMTP there: closed, filtered, silent, not SMTP, refusing sessions, or TLS failed.</summary>
        Unusable = 0,

        /// <summary>SMTP works, but not safely: no TLS, a deprecated TLS version, or a certificate that only passed because checks were skipped. Never send credentials there.</summary>
        Insecure,

        /// <summary>Port 25 with working TLS: meant for relay between mail servers (RFC 5321), not for clients; usable only for an internal relay that accepts mail without credentials.</summary>
        RelayOnly,

        /// <summary>STARTTLS (RFC 3207) with a valid certificate: fine for submission when the client requires TLS.</summary>
        Acceptable,

        /// <summary>Implicit TLS (RFC 8314 3.3) with a valid certificate: the preferred way to submit mail.</summary>
        Preferred,
    }
}
