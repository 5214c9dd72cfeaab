namespace SmtpTools
{
    /// <summary>How a connection to an SMTP server is secured, as the user asks for it.</summary>
    public enum SmtpSecurity
    {
        /// <summary>
        /// Send-SecureMail: chosen by port, 465 means implicit TLS, every other port STARTTLS, required (never opportunistic).
        /// Get-SmtpCapability: found by behaviour as Test-SmtpPort does (a server that greets in clear is plaintext SMTP,
        /// STARTTLS used when offered; a silent one gets a TLS handshake).
        /// </summary>
        Auto = 0,

        /// <summary>TLS from the first byte (RFC 8314 3.3), the "submissions" style of port 465.</summary>
        ImplicitTls = 1,

        /// <summary>Plaintext greeting, then STARTTLS (RFC 3207), required: a server that does not offer it is refused.</summary>
        StartTls = 2,

        /// <summary>No encryption at all, even when offered. Only with an explicit opt-in, and never with credentials or tokens; Get-SmtpCapability uses it to inspect a server in clear.</summary>
        None = 3,
    }
}
