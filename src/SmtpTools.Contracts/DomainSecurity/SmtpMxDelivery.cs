namespace SmtpTools
{
    /// <summary>What a sending MTA that honours MTA-STS and DANE does with mail for one MX host.</summary>
    public enum SmtpMxDelivery
    {
        /// <summary>Not decided (the MX was not probed).</summary>
        Unknown = 0,

        /// <summary>Delivered over TLS whose certificate is authenticated by DANE or by the MTA-STS policy.</summary>
        Authenticated = 1,

        /// <summary>Delivered over TLS without authentication (opportunistic STARTTLS, or MTA-STS testing mode).</summary>
        Encrypted = 2,

        /// <summary>Delivered in clear: no policy and no STARTTLS.</summary>
        Clear = 3,

        /// <summary>Not used: the MTA-STS policy in enforce mode does not name this MX.</summary>
        Skipped = 4,

        /// <summary>Deferred: the policy requires authenticated TLS and this MX does not pass.</summary>
        Deferred = 5,

        /// <summary>Nothing answered on the SMTP port (or the name does not resolve).</summary>
        Unreachable = 6,
    }
}
