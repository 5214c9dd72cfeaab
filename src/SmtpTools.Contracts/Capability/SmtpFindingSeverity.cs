namespace SmtpTools
{
    /// <summary>How much a finding matters, in increasing order, so scripts can compare (<c>-ge 'High'</c>) and sort.</summary>
    public enum SmtpFindingSeverity
    {
        /// <summary>Worth knowing; nothing to fix.</summary>
        Info = 0,

        /// <summary>Falls short of current recommendations; fix when convenient.</summary>
        Low = 1,

        /// <summary>Weakens security or breaks some clients; plan a fix.</summary>
        Medium = 2,

        /// <summary>Clients are exposed or will fail: certificate not verifiable, no TLS, deprecated practice with real risk. Fix soon.</summary>
        High = 3,

        /// <summary>Secrets cross the network readable by anyone on the path. Fix now.</summary>
        Critical = 4,
    }
}
