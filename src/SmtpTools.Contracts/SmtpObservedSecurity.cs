namespace SmtpTools
{
    /// <summary>
    /// The security mode a port was seen to speak, found by behaviour, not by its number: what Test-SmtpPort,
    /// Get-SmtpCapability and Send-SecureMail report. Its sibling <see cref="SmtpRequestedSecurity"/> is what a user
    /// asks for; the values line up (ImplicitTls, StartTls, and PlainOnly with None), so a verdict binds as a request.
    /// </summary>
    public enum SmtpObservedSecurity
    {
        /// <summary>Not known: the port is closed, silent, not SMTP, or no connection was made.</summary>
        Unknown = 0,

        /// <summary>TLS from the first byte (RFC 8314 3.3): the port stayed silent and answered a TLS handshake.</summary>
        ImplicitTls = 1,

        /// <summary>Plaintext greeting, STARTTLS offered (RFC 3207), the style of 587 and 25.</summary>
        StartTls = 2,

        /// <summary>Plaintext only: no TLS offered (or -Security None was asked for). Never use it for credentials.</summary>
        PlainOnly = 3,
    }
}
