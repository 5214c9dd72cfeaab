namespace SmtpTools
{
    /// <summary>
    /// How a connection is to be secured, as the user asks for it (-Security). Its sibling
    /// <see cref="SmtpObservedSecurity"/> is what a port was seen to speak; the values line up.
    /// </summary>
    public enum SmtpRequestedSecurity
    {
        /// <summary>
        /// Found by behaviour, for every cmdlet and on every port: a port that stays silent and answers a TLS handshake
        /// speaks implicit TLS; one that greets in clear gets STARTTLS (required by Send-SecureMail, used when offered by
        /// Test-SmtpPort and Get-SmtpCapability). Send-SecureMail never falls back to plaintext.
        /// </summary>
        Auto = 0,

        /// <summary>TLS from the first byte (RFC 8314 3.3). A port that greets in clear fails with SecurityMismatch.</summary>
        ImplicitTls = 1,

        /// <summary>Plaintext greeting, then STARTTLS (RFC 3207), required: a server that does not offer it is refused; an implicit-TLS port fails with SecurityMismatch.</summary>
        StartTls = 2,

        /// <summary>No encryption at all, even when offered. Only with an explicit opt-in, and never with credentials or tokens; Get-SmtpCapability uses it to inspect a server in clear.</summary>
        None = 3,
    }
}
