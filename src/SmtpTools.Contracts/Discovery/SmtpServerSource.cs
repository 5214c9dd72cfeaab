namespace SmtpTools
{
    /// <summary>Where a candidate SMTP endpoint of a domain was found.</summary>
    public enum SmtpServerSource
    {
        /// <summary>An RFC 6186 / RFC 8314 SRV record: <c>_submissions._tcp</c> (implicit TLS) or <c>_submission._tcp</c> (STARTTLS).</summary>
        Srv = 0,

        /// <summary>An outgoing server of the domain's Thunderbird autoconfig document (<c>config-v1.1.xml</c>), fetched over HTTPS.</summary>
        Autoconfig = 1,

        /// <summary>An MX record (RFC 5321 5.1): a server that receives the domain's mail on port 25, for relay, not submission.</summary>
        Mx = 2,

        /// <summary>A conventional name (<c>smtp.</c>, <c>mail.</c>) that resolves; nothing published it (-IncludeGuesses).</summary>
        Guess = 3,
    }
}
