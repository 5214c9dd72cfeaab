namespace SmtpTools
{
    /// <summary>The security mode a port really speaks, found by behaviour, not by its number.</summary>
    public enum SmtpSecurityMode
    {
        /// <summary>Not known: the port is closed, silent or not SMTP.</summary>
        Unknown = 0,

        /// <summary>TLS from the first byte (RFC 8314 3.3), the "submissions" style of port 465.</summary>
        ImplicitTls,

        /// <summary>Plaintext greeting, STARTTLS offered (RFC 3207), the style of 587 and 25.</summary>
        StartTls,

        /// <summary>Plaintext only: no TLS offered. Never use it for credentials.</summary>
        PlainOnly,
    }
}
