using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;

namespace SmtpTools
{
    /// <summary>
    /// What one endpoint offers and how well: Get-SmtpCapability's output. The EHLO extensions are kept separately
    /// from before and after STARTTLS (servers often differ, and AUTH before TLS is itself a finding).
    /// </summary>
    public sealed class SmtpCapabilityReport
    {
        /// <summary>The name (or address) as the user gave it.</summary>
        public string ComputerName { get; internal set; } = string.Empty;

        /// <summary>The TCP port.</summary>
        public int Port { get; internal set; }

        /// <summary>The address that was connected to.</summary>
        public IPAddress? RemoteAddress { get; internal set; }

        /// <summary>The security mode the port really speaks: ImplicitTls, StartTls (offered), or PlainOnly.</summary>
        public SmtpObservedSecurity Security { get; internal set; }

        /// <summary>The mode that was asked for (Auto unless -Security was given).</summary>
        public SmtpRequestedSecurity RequestedSecurity { get; internal set; }

        /// <summary>The server's greeting, as sent ("220 mail.example.com ESMTP").</summary>
        public string? Banner { get; internal set; }

        /// <summary>The EHLO reply in clear, before any TLS; null on implicit TLS or when EHLO was refused.</summary>
        public SmtpExtensions? ExtensionsBeforeTls { get; internal set; }

        /// <summary>The EHLO reply inside TLS; null when no TLS session was established.</summary>
        public SmtpExtensions? ExtensionsAfterTls { get; internal set; }

        /// <summary>The extensions a client works with: inside TLS where TLS works, otherwise in clear.</summary>
        public SmtpExtensions? Extensions => ExtensionsAfterTls ?? ExtensionsBeforeTls;

        /// <summary>The SIZE limit in bytes (RFC 1870) a client works with: 0 for "no limit", null when not advertised.</summary>
        public long? SizeLimit => Extensions?.SizeLimit;

        /// <summary>AUTH mechanisms a client works with (inside TLS where TLS works).</summary>
        public IReadOnlyList<string> AuthMechanisms => Extensions?.AuthMechanisms ?? SmtpList<string>.Empty;

        /// <summary>AUTH mechanisms offered in clear, before TLS: any entry here is a finding.</summary>
        public IReadOnlyList<string> AuthMechanismsBeforeTls => ExtensionsBeforeTls?.AuthMechanisms ?? SmtpList<string>.Empty;

        /// <summary>The TLS session of the inspection (the operating system's TLS stack), with the certificate and its verdict; null without TLS.</summary>
        public TlsInspection? Tls { get; internal set; }

        /// <summary>The negotiated TLS version, or None.</summary>
        public TlsProtocolVersion TlsProtocol => Tls?.Protocol ?? TlsProtocolVersion.None;

        /// <summary>The negotiated cipher suite (IANA name where the platform gives it), or null.</summary>
        public string? CipherSuite => Tls?.CipherSuite;

        /// <summary>
        /// The key exchange (ECDHE, DHE, RSA, ECDHE+ML-KEM), or null. Up to TLS 1.2 the negotiated suite names it; for
        /// TLS 1.3 it comes from the version scan's handshake at the same version (the platform's TLS stack does not
        /// report it everywhere), so it is null when the scan was skipped.
        /// </summary>
        public string? KeyExchange { get; internal set; }

        /// <summary>The key exchange group (x25519, secp256r1...) the server chose in the version scan's handshake at the negotiated version, or null.</summary>
        public string? KeyExchangeGroup { get; internal set; }

        /// <summary>The server certificate and the verdict on it (subject, SANs, issuer, dates, days left, key, chain status, host match, presented chain); null without TLS.</summary>
        public SmtpCertificateInfo? Certificate => Tls?.Certificate;

        /// <summary>Each TLS version offered alone and what the server answered; empty when the scan was skipped or there is no TLS.</summary>
        public IReadOnlyList<TlsVersionSupport> TlsVersions { get => _tlsVersions; internal set => _tlsVersions = SmtpList<TlsVersionSupport>.From(value); }

        private IReadOnlyList<TlsVersionSupport> _tlsVersions = SmtpList<TlsVersionSupport>.Empty;

        /// <summary>The TLS versions the server accepts, oldest first; empty when not scanned.</summary>
        public IReadOnlyList<TlsProtocolVersion> AcceptedTlsVersions => SmtpList<TlsProtocolVersion>.From(TlsVersions.Where(v => v.IsAccepted).Select(v => v.Version).OrderBy(v => v));

        /// <summary>True when <see cref="TlsVersions"/> holds a scan.</summary>
        public bool TlsVersionsScanned => TlsVersions.Count > 0;

        /// <summary>
        /// With -ScanCipherSuites, every cipher suite the server accepts, one scan per accepted TLS version (oldest first),
        /// with the server's order; empty otherwise.
        /// </summary>
        public IReadOnlyList<TlsCipherSuiteScan> CipherSuiteScans { get => _cipherSuiteScans; internal set => _cipherSuiteScans = SmtpList<TlsCipherSuiteScan>.From(value); }

        private IReadOnlyList<TlsCipherSuiteScan> _cipherSuiteScans = SmtpList<TlsCipherSuiteScan>.Empty;

        /// <summary>Every accepted cipher suite of <see cref="CipherSuiteScans"/>, all versions together (each names its Version).</summary>
        public IReadOnlyList<TlsCipherSuite> AcceptedCipherSuites => SmtpList<TlsCipherSuite>.From(CipherSuiteScans.SelectMany(s => s.AcceptedCipherSuites));

        /// <summary>True when <see cref="CipherSuiteScans"/> holds a scan.</summary>
        public bool CipherSuitesScanned => CipherSuiteScans.Count > 0;

        /// <summary>The outcome of verifying -Credential; NotAttempted without one.</summary>
        public SmtpAuthenticationResult AuthenticationResult { get; internal set; }

        /// <summary>The SASL mechanism used to verify the credential (PLAIN or LOGIN), or null.</summary>
        public string? AuthenticationMechanism { get; internal set; }

        /// <summary>The server's final answer to AUTH ("235 2.7.0 Authentication successful"), or why nothing was sent.</summary>
        public string? AuthenticationMessage { get; internal set; }

        /// <summary>What is wrong (or notable), worst first.</summary>
        public IReadOnlyList<SmtpFinding> Findings { get => _findings; internal set => _findings = SmtpList<SmtpFinding>.From(value); }

        private IReadOnlyList<SmtpFinding> _findings = SmtpList<SmtpFinding>.Empty;

        /// <summary>How fit this endpoint is for submitting mail: the same rating Test-SmtpPort gives it, from the same rules (the version scan's findings are reported but do not change it).</summary>
        public SmtpSubmissionRating Rating { get; internal set; }

        /// <summary>Why this endpoint got its <see cref="Rating"/>, in words.</summary>
        public string RatingReason { get; internal set; } = string.Empty;

        /// <summary>The worst finding's severity, or null when there is none.</summary>
        public SmtpFindingSeverity? HighestSeverity => Findings.Count == 0 ? (SmtpFindingSeverity?)null : Findings.Max(f => f.Severity);

        /// <summary>What stopped the inspection short (TLS handshake failed, STARTTLS not offered when required...), or None.</summary>
        public SmtpFailureKind FailureKind { get; internal set; }

        /// <summary>What stopped the inspection short, in words, or null.</summary>
        public string? ErrorMessage { get; internal set; }

        /// <summary>Wall time of the inspection, version scan included.</summary>
        public TimeSpan Duration { get; internal set; }

        /// <inheritdoc />
        public override string ToString() => $"{ComputerName}:{Port} {Security} {TlsProtocol} findings: {Findings.Count}";
    }
}
