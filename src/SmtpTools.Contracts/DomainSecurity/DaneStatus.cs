namespace SmtpTools
{
    /// <summary>What DANE (RFC 7672) says about one MX host, as a DANE sender (Postfix with smtp_tls_security_level = dane) sees it.</summary>
    public enum DaneStatus
    {
        /// <summary>No TLSA records: DANE does not apply.</summary>
        NoRecords = 0,

        /// <summary>The MX or its address or TLSA answer was not DNSSEC-validated (no AD bit): TLSA records are ignored.</summary>
        NotSecure = 1,

        /// <summary>Secure TLSA records, none usable for SMTP (usages 0/1, unknown parameters): TLS required, but unauthenticated.</summary>
        Unusable = 2,

        /// <summary>A usable TLSA record matches the chain the MX presents: mail goes over authenticated TLS.</summary>
        Matched = 3,

        /// <summary>Secure, usable TLSA records, but none matches what the MX presents (or the name check fails): mail is deferred.</summary>
        NotMatched = 4,

        /// <summary>Secure, usable TLSA records, but the MX offers no STARTTLS or its TLS fails: mail is deferred.</summary>
        NoTls = 5,

        /// <summary>The TLSA lookup failed (SERVFAIL, timeout, bogus signatures): DANE senders defer mail to this MX.</summary>
        LookupFailed = 6,
    }
}
