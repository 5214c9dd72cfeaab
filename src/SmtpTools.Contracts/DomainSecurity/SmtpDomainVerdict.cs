namespace SmtpTools
{
    /// <summary>The verdict a sending MTA that honours MTA-STS and DANE reaches for a whole domain, from best to worst.</summary>
    public enum SmtpDomainVerdict
    {
        /// <summary>Every MX is reached over authenticated TLS (DANE or MTA-STS enforce).</summary>
        Authenticated = 0,

        /// <summary>A policy protects the domain and mail flows, but some MX hosts would be skipped or deferred.</summary>
        Degraded = 1,

        /// <summary>Mail flows encrypted, but nothing authenticates the MX hosts (no policy, testing mode, or TLSA not secure): an attacker on the path can strip STARTTLS.</summary>
        Opportunistic = 2,

        /// <summary>Mail flows in clear: no MX offers STARTTLS.</summary>
        Unencrypted = 3,

        /// <summary>A policy is in force and no MX passes it: every sender that honours it defers the mail.</summary>
        Deferred = 4,

        /// <summary>No MX host answered on the SMTP port (see the findings: outbound port 25 may be blocked on this network).</summary>
        Unreachable = 5,

        /// <summary>The domain takes no mail: a null MX, or no MX and no address.</summary>
        NoMail = 6,

        /// <summary>DNS failed for the domain's MX (SERVFAIL, which a validating resolver also answers for bogus DNSSEC signatures).</summary>
        DnsFailure = 7,
    }
}
