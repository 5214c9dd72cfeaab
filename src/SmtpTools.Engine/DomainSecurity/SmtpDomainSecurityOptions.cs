using System;
using System.Collections.Generic;

namespace SmtpTools.DomainSecurity
{
    /// <summary>How Test-SmtpDomain checks domains.</summary>
    public sealed class SmtpDomainSecurityOptions
    {
        /// <summary>The bound on each network step (DNS question, connect, greeting, handshake, command, policy fetch).</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>How certificates are judged (MX hosts and the MTA-STS policy server).</summary>
        public CertificatePolicy CertificatePolicy { get; set; } = CertificatePolicy.Default;

        /// <summary>The SMTP port MX hosts are probed on, and the port of the TLSA name (_port._tcp.mx): 25 (RFC 5321), unless a lab relay listens elsewhere.</summary>
        public int MxPort { get; set; } = 25;

        /// <summary>When no MX answers on <see cref="MxPort"/>, these ports of the same hosts are tried, to tell a blocked outbound port from a broken domain.</summary>
        public IReadOnlyList<int> AlternatePorts { get; set; } = new[] { 587, 465 };

        /// <summary>The HTTPS port of the MTA-STS policy server: 443 (RFC 8461 3.3), unless a lab server listens elsewhere.</summary>
        public int PolicyPort { get; set; } = 443;

        /// <summary>How many probes and policy fetches run at once, over all domains.</summary>
        public int ThrottleLimit { get; set; } = 32;

        /// <summary>The name sent with EHLO.</summary>
        public string HeloName { get; set; } = "smtptools.localhost";

        /// <summary>Receives a transcript line by line (DNS answers, policy fetches, SMTP); null for none.</summary>
        public Action<string>? Transcript { get; set; }
    }
}
