using System;
using System.Collections.Generic;
using System.Net;

namespace SmtpTools
{
    /// <summary>One MX host of a domain: what its SMTP port did, and what MTA-STS and DANE make of it.</summary>
    public sealed class SmtpMxHostReport
    {
        /// <summary>The MX preference (lower is tried first).</summary>
        public int Preference { get; internal set; }

        /// <summary>The MX host name (no trailing dot).</summary>
        public string HostName { get; internal set; } = string.Empty;

        /// <summary>Its addresses (AAAA and A).</summary>
        public IReadOnlyList<IPAddress> Addresses { get => _addresses; internal set => _addresses = SmtpList<IPAddress>.From(value); }

        private IReadOnlyList<IPAddress> _addresses = SmtpList<IPAddress>.Empty;

        /// <summary>The TCP port probed (25 unless -MxPort said otherwise).</summary>
        public int Port { get; internal set; }

        /// <summary>What the port did (Open, Filtered, Closed...).</summary>
        public SmtpPortStatus Status { get; internal set; }

        /// <summary>The server offered STARTTLS in its EHLO answer.</summary>
        public bool StartTlsOffered { get; internal set; }

        /// <summary>The TLS version negotiated after STARTTLS, or None.</summary>
        public TlsProtocolVersion TlsProtocol { get; internal set; }

        /// <summary>The certificate presented and its verdict against the MX name, or null.</summary>
        public SmtpCertificateInfo? Certificate { get; internal set; }

        /// <summary>"valid", the problems found ("wrong host, untrusted"), or "none".</summary>
        public string CertificateVerdict => Certificate?.Verdict ?? "none";

        /// <summary>The certificate passes the PKIX check MTA-STS requires: a trusted chain, valid for the MX host name, not expired (RFC 8461 4.2).</summary>
        public bool CertificateValid { get; internal set; }

        /// <summary>Whether an MTA-STS mx pattern covers this host; null when there is no usable policy.</summary>
        public bool? MtaStsMatch { get; internal set; }

        /// <summary>What DANE says about this host.</summary>
        public DaneStatus Dane { get; internal set; }

        /// <summary>The TLSA records at _port._tcp.host ("3 1 1 fd2a..."), as published.</summary>
        public IReadOnlyList<string> TlsaRecords { get => _tlsaRecords; internal set => _tlsaRecords = SmtpList<string>.From(value); }

        private IReadOnlyList<string> _tlsaRecords = SmtpList<string>.Empty;

        /// <summary>The TLSA record that matched the presented chain, or null.</summary>
        public string? MatchedTlsa { get; internal set; }

        /// <summary>The MX host's address records were DNSSEC-validated (AD bit).</summary>
        public bool AddressesSecure { get; internal set; }

        /// <summary>What a sending MTA honouring MTA-STS and DANE does with mail for this host.</summary>
        public SmtpMxDelivery Delivery { get; internal set; }

        /// <summary>Why, in words ("its certificate is for another name").</summary>
        public string DeliveryReason { get; internal set; } = string.Empty;

        /// <summary>The full probe of the SMTP port, as Test-SmtpPort reports it; null when the name did not resolve.</summary>
        public SmtpPortResult? Probe { get; internal set; }

        /// <inheritdoc />
        public override string ToString() => $"{Preference} {HostName}: {Delivery}";
    }
}
