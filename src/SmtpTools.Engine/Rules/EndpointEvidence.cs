using System;
using System.Collections.Generic;

namespace SmtpTools.Rules
{
    /// <summary>
    /// What the rules judge about one endpoint, whichever cmdlet measured it: Test-SmtpPort's probe and
    /// Get-SmtpCapability's audit hand the same facts in, so they tell the same story about the same endpoint.
    /// </summary>
    internal sealed class EndpointEvidence
    {
        public int Port { get; private set; }

        public SmtpPortStatus Status { get; private set; }

        public SmtpObservedSecurity Security { get; private set; }

        public string? Banner { get; private set; }

        public TlsInspection? Tls { get; private set; }

        public SmtpExtensions? ExtensionsBeforeTls { get; private set; }

        public SmtpExtensions? ExtensionsAfterTls { get; private set; }

        /// <summary>The TLS version scan; empty when there was none (Test-SmtpPort never scans).</summary>
        public IReadOnlyList<TlsVersionSupport> TlsVersions { get; private set; } = Array.Empty<TlsVersionSupport>();

        /// <summary>The cipher suite scan, per TLS version; empty when there was none (-ScanCipherSuites was not given).</summary>
        public IReadOnlyList<TlsCipherSuiteScan> CipherSuiteScans { get; private set; } = Array.Empty<TlsCipherSuiteScan>();

        public SmtpFailureKind FailureKind { get; private set; }

        public string? ErrorMessage { get; private set; }

        public SmtpCertificateInfo? Certificate => Tls?.Certificate;

        public TlsProtocolVersion TlsProtocol => Tls?.Protocol ?? TlsProtocolVersion.None;

        public string? CipherSuite => Tls?.CipherSuite;

        public SmtpExtensions? Extensions => ExtensionsAfterTls ?? ExtensionsBeforeTls;

        public IReadOnlyList<string> AuthMechanisms => Extensions?.AuthMechanisms ?? Array.Empty<string>();

        public IReadOnlyList<string> AuthMechanismsBeforeTls => ExtensionsBeforeTls?.AuthMechanisms ?? Array.Empty<string>();

        public static EndpointEvidence Of(SmtpPortResult result) => new EndpointEvidence
        {
            Port = result.Port,
            Status = result.Status,
            Security = result.Security,
            Banner = result.Banner,
            Tls = result.Tls,
            ExtensionsBeforeTls = result.ExtensionsBeforeTls,
            ExtensionsAfterTls = result.ExtensionsAfterTls,
            FailureKind = result.FailureKind,
            ErrorMessage = result.ErrorMessage,
        };

        /// <summary>An audit always got as far as a greeting or a TLS session (it throws otherwise); a failed TLS step is the probe's TlsFailed.</summary>
        public static EndpointEvidence Of(SmtpCapabilityReport report) => new EndpointEvidence
        {
            Port = report.Port,
            Status = report.FailureKind == SmtpFailureKind.TlsHandshakeFailed || report.FailureKind == SmtpFailureKind.StartTlsRefused ? SmtpPortStatus.TlsFailed : SmtpPortStatus.Open,
            Security = report.Security,
            Banner = report.Banner,
            Tls = report.Tls,
            ExtensionsBeforeTls = report.ExtensionsBeforeTls,
            ExtensionsAfterTls = report.ExtensionsAfterTls,
            TlsVersions = report.TlsVersions,
            CipherSuiteScans = report.CipherSuiteScans,
            FailureKind = report.FailureKind,
            ErrorMessage = report.ErrorMessage,
        };

        /// <summary>The same evidence without the version and cipher scans: what every cmdlet can see of one session.</summary>
        public EndpointEvidence WithoutVersionScan()
        {
            var copy = (EndpointEvidence)MemberwiseClone();
            copy.TlsVersions = Array.Empty<TlsVersionSupport>();
            copy.CipherSuiteScans = Array.Empty<TlsCipherSuiteScan>();
            return copy;
        }
    }
}
