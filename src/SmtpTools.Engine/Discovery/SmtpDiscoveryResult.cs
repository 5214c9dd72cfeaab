using System;
using System.Collections.Generic;

namespace SmtpTools.Discovery
{
    /// <summary>What discovery found for one domain: candidates in order, and what went wrong on the way.</summary>
    public sealed class SmtpDiscoveryResult
    {
        internal SmtpDiscoveryResult(string domain, IReadOnlyList<SmtpServerCandidate> candidates, IReadOnlyList<Exception> failures, IReadOnlyList<string> notOffered, string asked)
        {
            Domain = domain;
            Candidates = candidates;
            Failures = failures;
            NotOffered = notOffered;
            Asked = asked;
        }

        /// <summary>The domain asked about.</summary>
        public string Domain { get; }

        /// <summary>SRV (priority, then weight), autoconfig (document order), MX (preference), then guesses.</summary>
        public IReadOnlyList<SmtpServerCandidate> Candidates { get; }

        /// <summary>Questions that got no usable answer (<see cref="DnsLookupException"/>) and documents ignored (<see cref="AutoconfigException"/>); the other sources still count.</summary>
        public IReadOnlyList<Exception> Failures { get; }

        /// <summary>SRV owners whose lone "." target says the service is not offered (RFC 6186 3.3).</summary>
        public IReadOnlyList<string> NotOffered { get; }

        /// <summary>What was looked for and of whom, for a "nothing published" message.</summary>
        public string Asked { get; }
    }
}
