using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;

namespace SmtpTools
{
    /// <summary>
    /// One endpoint a domain publishes (or a guess) for sending mail: where it came from, what that source claims, and,
    /// when probed, what the port really speaks and where the two disagree. ComputerName, Port and Security bind by
    /// property name to Test-SmtpPort, Get-SmtpCapability and Send-SecureMail.
    /// </summary>
    public sealed class SmtpServerCandidate
    {
        /// <summary>Creates a candidate.</summary>
        /// <exception cref="ArgumentException"><paramref name="domain"/> or <paramref name="computerName"/> is empty, or <paramref name="port"/> is not 1-65535.</exception>
        public SmtpServerCandidate(string domain, string computerName, int port, SmtpPublishedSecurity security, SmtpServerSource source, string claim)
        {
            if (string.IsNullOrWhiteSpace(domain))
            {
                throw new ArgumentException("A candidate belongs to a domain.", nameof(domain));
            }

            if (string.IsNullOrWhiteSpace(computerName))
            {
                throw new ArgumentException("A candidate needs a host name.", nameof(computerName));
            }

            if (port < 1 || port > 65535)
            {
                throw new ArgumentException("A TCP port is 1-65535.", nameof(port));
            }

            Domain = domain;
            ComputerName = computerName;
            Port = port;
            Security = security;
            Source = source;
            Claim = claim ?? string.Empty;
        }

        /// <summary>The domain that was asked about.</summary>
        public string Domain { get; }

        /// <summary>The host name the source names (no trailing dot).</summary>
        public string ComputerName { get; }

        /// <summary>The TCP port the source names (25 for an MX, unless -MxPort said otherwise).</summary>
        public int Port { get; }

        /// <summary>The security the source claims.</summary>
        public SmtpPublishedSecurity Security { get; }

        /// <summary>Where this candidate came from.</summary>
        public SmtpServerSource Source { get; }

        /// <summary>SRV priority (lower first), or the outgoing server's place in the autoconfig document (0 first); null for MX and guesses.</summary>
        public int? Priority { get; internal set; }

        /// <summary>SRV weight (higher more often, among equal priorities); null for other sources.</summary>
        public int? Weight { get; internal set; }

        /// <summary>MX preference (lower first); null for other sources.</summary>
        public int? Preference { get; internal set; }

        /// <summary>What the source says, as published: the record, or the document's URL and entry.</summary>
        public string Claim { get; }

        /// <summary>Whether the resolver vouched for the record (the DNSSEC AD bit, RFC 4035 3.2.3); always false for autoconfig documents and guesses.</summary>
        public bool DnssecAuthenticated { get; internal set; }

        /// <summary>The host's addresses (AAAA and A) from the same resolver; empty when it does not resolve.</summary>
        public IReadOnlyList<IPAddress> Addresses { get => _addresses; internal set => _addresses = SmtpList<IPAddress>.From(value); }

        private IReadOnlyList<IPAddress> _addresses = SmtpList<IPAddress>.Empty;

        /// <summary>Why the host did not resolve; null when it did.</summary>
        internal string? ResolutionFailure { get; set; }

        /// <summary>What the port really speaks, when probed (-Probe); null otherwise.</summary>
        public SmtpPortResult? Measured { get; internal set; }

        /// <summary>The measured security mode, or Unknown when not probed (or not SMTP).</summary>
        public SmtpObservedSecurity MeasuredSecurity => Measured?.Security ?? SmtpObservedSecurity.Unknown;

        /// <summary>Problems found in what was published, and (with -Probe) between what was published and what was measured.</summary>
        public IReadOnlyList<SmtpFinding> Findings { get => _findings; internal set => _findings = SmtpList<SmtpFinding>.From(value); }

        private IReadOnlyList<SmtpFinding> _findings = SmtpList<SmtpFinding>.Empty;

        /// <summary>The addresses, comma-separated, for tables and CSV.</summary>
        public string AddressList => string.Join(", ", Addresses.Select(a => a.ToString()));

        /// <summary>Where the source ranks it: the SRV priority, else the MX preference.</summary>
        public int? Order => Priority ?? Preference;

        /// <summary>The worst finding's severity, or null when there is none.</summary>
        public SmtpFindingSeverity? HighestSeverity => Findings.Count == 0 ? (SmtpFindingSeverity?)null : Findings.Max(f => f.Severity);

        /// <inheritdoc />
        public override string ToString() => $"{ComputerName}:{Port} ({Security}, {Source})";
    }
}
