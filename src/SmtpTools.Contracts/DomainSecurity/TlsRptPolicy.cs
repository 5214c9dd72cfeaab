using System;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>A domain's SMTP TLS Reporting record (RFC 8460 3): where senders report TLS failures.</summary>
    public sealed class TlsRptPolicy
    {
        /// <summary>The _smtp._tls TXT record as published, or null when there is none.</summary>
        public string? Record { get; internal set; }

        /// <summary>The rua targets (mailto: or https: URIs).</summary>
        public IReadOnlyList<string> ReportUris { get => _reportUris; internal set => _reportUris = SmtpList<string>.From(value); }

        private IReadOnlyList<string> _reportUris = SmtpList<string>.Empty;

        /// <summary>Why the record cannot be used, or null when it can (or none is published).</summary>
        public string? Problem { get; internal set; }

        /// <summary>A usable record is published.</summary>
        public bool IsValid => Record != null && Problem == null;

        /// <inheritdoc />
        public override string ToString() => Record == null ? "none" : Problem == null ? string.Join(", ", ReportUris) : "invalid";
    }
}
