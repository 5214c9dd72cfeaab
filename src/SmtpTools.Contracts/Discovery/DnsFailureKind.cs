namespace SmtpTools
{
    /// <summary>Why a DNS question got no usable answer. Each kind maps to one stable PowerShell error id.</summary>
    public enum DnsFailureKind
    {
        /// <summary>NXDOMAIN (RCODE 3): the name does not exist.</summary>
        NameNotFound = 0,

        /// <summary>The name exists but has no record of the asked type (NOERROR, empty answer).</summary>
        NoRecords = 1,

        /// <summary>SERVFAIL (RCODE 2): the server could not answer, for example a broken zone or a DNSSEC validation failure.</summary>
        ServerFailure = 2,

        /// <summary>REFUSED (RCODE 5) or another error code: the server will not answer this question.</summary>
        Refused = 3,

        /// <summary>No answer within the timeout.</summary>
        TimedOut = 4,

        /// <summary>The server could not be reached (nothing listens, network unreachable) or its answer was malformed.</summary>
        Unreachable = 5,
    }
}
