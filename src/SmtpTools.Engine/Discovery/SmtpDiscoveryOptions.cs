using System;

namespace SmtpTools.Discovery
{
    /// <summary>How a domain's SMTP endpoints are discovered.</summary>
    public sealed class SmtpDiscoveryOptions
    {
        /// <summary>The most an autoconfig response may hold (headers and document); a larger one is ignored. Real documents are 1-4 KiB.</summary>
        public const int MaxAutoconfigBytes = 64 * 1024;

        /// <summary>The bound on each DNS question and on each autoconfig fetch.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>How the autoconfig servers' certificates are judged.</summary>
        public CertificatePolicy CertificatePolicy { get; set; } = CertificatePolicy.Default;

        /// <summary>The HTTPS port autoconfig documents are fetched from: 443, unless a server (or a test) uses another.</summary>
        public int AutoconfigPort { get; set; } = 443;

        /// <summary>The port MX hosts are listed with: 25 (RFC 5321), unless a relay listens elsewhere.</summary>
        public int MxPort { get; set; } = 25;

        /// <summary>Also list smtp.&lt;domain&gt; and mail.&lt;domain&gt; on 465 and 587 when they resolve, marked as guesses.</summary>
        public bool IncludeGuesses { get; set; }

        /// <summary>Receives one line per question asked and document fetched; null for none.</summary>
        public Action<string>? Transcript { get; set; }
    }
}
