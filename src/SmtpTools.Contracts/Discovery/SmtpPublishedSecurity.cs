namespace SmtpTools
{
    /// <summary>
    /// The security a source says an endpoint speaks; what it really speaks is measured with -Probe (or Test-SmtpPort).
    /// Binds to -Security of Get-SmtpCapability and Send-SecureMail: ImplicitTls and StartTls mean the same there; Relay
    /// and Plain become Auto (detect, TLS still required for sending).
    /// </summary>
    public enum SmtpPublishedSecurity
    {
        /// <summary>TLS from the first byte (RFC 8314 3.3): <c>_submissions._tcp</c>, autoconfig socketType SSL.</summary>
        ImplicitTls = 0,

        /// <summary>Plaintext greeting, then STARTTLS (RFC 3207): <c>_submission._tcp</c>, autoconfig socketType STARTTLS.</summary>
        StartTls = 1,

        /// <summary>Server-to-server relay on port 25 (an MX): plaintext greeting, STARTTLS opportunistic (RFC 3207).</summary>
        Relay = 2,

        /// <summary>No TLS at all: autoconfig socketType plain. Never fit for credentials (RFC 8314 3).</summary>
        Plain = 3,
    }
}
