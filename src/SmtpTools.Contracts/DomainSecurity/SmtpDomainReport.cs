using System;
using System.Linq;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>Test-SmtpDomain's output: is mail to this domain safe in transit (MX STARTTLS, MTA-STS, DANE, TLS-RPT)?</summary>
    public sealed class SmtpDomainReport
    {
        /// <summary>The domain checked (lower case, no trailing dot).</summary>
        public string Domain { get; internal set; } = string.Empty;

        /// <summary>The verdict a sending MTA that honours MTA-STS and DANE reaches.</summary>
        public SmtpDomainVerdict Verdict { get; internal set; }

        /// <summary>The verdict in words: "enforce: mail to mx2.example.com would be deferred because its certificate is for another name".</summary>
        public string VerdictReason { get; internal set; } = string.Empty;

        /// <summary>The MX hosts in preference order, with what each did.</summary>
        public IReadOnlyList<SmtpMxHostReport> MxHosts { get => _mxHosts; internal set => _mxHosts = SmtpList<SmtpMxHostReport>.From(value); }

        private IReadOnlyList<SmtpMxHostReport> _mxHosts = SmtpList<SmtpMxHostReport>.Empty;

        /// <summary>The MX answer was DNSSEC-validated (the AD bit from the resolver named in <see cref="DnsServer"/>).</summary>
        public bool MxSecure { get; internal set; }

        /// <summary>The resolver that answered (and vouched, when an answer is secure).</summary>
        public string DnsServer { get; internal set; } = string.Empty;

        /// <summary>MTA-STS: the record and the policy.</summary>
        public MtaStsPolicy MtaSts { get; internal set; } = new MtaStsPolicy();

        /// <summary>MTA-STS mode in force (NoPolicy when there is none).</summary>
        public MtaStsMode MtaStsMode => MtaSts.Mode;

        /// <summary>Any MX has secure, usable TLSA records: DANE senders authenticate with them.</summary>
        public bool Dane { get; internal set; }

        /// <summary>TLS-RPT: where failures are reported.</summary>
        public TlsRptPolicy TlsRpt { get; internal set; } = new TlsRptPolicy();

        /// <summary>Problems and notable facts, worst first.</summary>
        public IReadOnlyList<SmtpFinding> Findings { get => _findings; internal set => _findings = SmtpList<SmtpFinding>.From(value); }

        private IReadOnlyList<SmtpFinding> _findings = SmtpList<SmtpFinding>.Empty;

        /// <summary>Wall time of the check.</summary>
        public TimeSpan Duration { get; internal set; }

        /// <summary>The worst finding's severity, or null when there is none.</summary>
        public SmtpFindingSeverity? HighestSeverity => Findings.Count == 0 ? (SmtpFindingSeverity?)null : Findings.Max(f => f.Severity);

        /// <inheritdoc />
        public override string ToString() => $"{Domain}: {Verdict}";
    }
}
