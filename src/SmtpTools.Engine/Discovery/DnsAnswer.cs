using System.Collections.Generic;

namespace SmtpTools.Discovery
{
    /// <summary>The records of one DNS answer, whether the name exists, and whether the resolver vouched for them (AD bit).</summary>
    internal sealed class DnsAnswer<T>
    {
        public DnsAnswer(IReadOnlyList<T> records, bool nameExists, bool authenticated, string server)
        {
            Records = records;
            NameExists = nameExists;
            Authenticated = authenticated;
            Server = server;
        }

        public IReadOnlyList<T> Records { get; }

        /// <summary>False on NXDOMAIN.</summary>
        public bool NameExists { get; }

        /// <summary>The AD bit (RFC 4035 3.2.3): a validating resolver says the answer passed DNSSEC validation.</summary>
        public bool Authenticated { get; }

        /// <summary>Which server answered.</summary>
        public string Server { get; }
    }
}
