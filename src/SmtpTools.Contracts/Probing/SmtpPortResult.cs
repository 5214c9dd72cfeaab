using System;
using System.Collections.Generic;
using System.Net;

namespace SmtpTools
{
    /// <summary>The outcome of probing one port of one host: Test-SmtpPort's output.</summary>
    public sealed class SmtpPortResult
    {
        /// <summary>The name (or address) as the user gave it.</summary>
        public string ComputerName { get; internal set; } = string.Empty;

        /// <summary>The address that was connected to; null when the name did not resolve.</summary>
        public IPAddress? RemoteAddress { get; internal set; }

        /// <summary>The TCP port.</summary>
        public int Port { get; internal set; }

        /// <summary>What happened.</summary>
        public SmtpPortStatus Status { get; internal set; }

        /// <summary>The security mode the port really speaks.</summary>
        public SmtpObservedSecurity Security { get; internal set; }

        /// <summary>How fit this endpoint is for submitting mail, judged on what it did and on its findings (RFC 8314 order); see <see cref="RatingReason"/>. Get-SmtpCapability rates the same endpoint the same.</summary>
        public SmtpSubmissionRating Rating { get; internal set; }

        /// <summary>Why this endpoint got its <see cref="Rating"/>, in words, with the misconfigurations found.</summary>
        public string RatingReason { get; internal set; } = string.Empty;

        /// <summary>What is wrong (or notable) about this endpoint, worst first: the same rules and ids as Get-SmtpCapability's findings, less those that need its TLS version scan.</summary>
        public IReadOnlyList<SmtpFinding> Findings { get => _findings; internal set => _findings = SmtpList<SmtpFinding>.From(value); }

        private IReadOnlyList<SmtpFinding> _findings = SmtpList<SmtpFinding>.Empty;

        /// <summary>The server's 220 greeting, as sent.</summary>
        public string? Banner { get; internal set; }

        /// <summary>TLS details and the certificate verdict, when TLS was negotiated.</summary>
        public TlsInspection? Tls { get; internal set; }

        /// <summary>The negotiated TLS version, or None.</summary>
        public TlsProtocolVersion TlsProtocol => Tls?.Protocol ?? TlsProtocolVersion.None;

        /// <summary>The negotiated cipher suite, or null.</summary>
        public string? CipherSuite => Tls?.CipherSuite;

        /// <summary>The server certificate and its verdict, or null.</summary>
        public SmtpCertificateInfo? Certificate => Tls?.Certificate;

        /// <summary>The EHLO extensions in clear (before any TLS), or null.</summary>
        public SmtpExtensions? ExtensionsBeforeTls { get; internal set; }

        /// <summary>The EHLO extensions inside TLS, or null.</summary>
        public SmtpExtensions? ExtensionsAfterTls { get; internal set; }

        /// <summary>AUTH mechanisms as a client would use them: inside TLS where TLS works, otherwise in clear.</summary>
        public IReadOnlyList<string> AuthMechanisms => (ExtensionsAfterTls ?? ExtensionsBeforeTls)?.AuthMechanisms ?? SmtpList<string>.Empty;

        /// <summary>AUTH was offered before TLS: a client could send its password in clear.</summary>
        public bool AuthOfferedBeforeTls => ExtensionsBeforeTls?.AuthMechanisms.Count > 0;

        /// <summary>Time to establish the TCP connection.</summary>
        public TimeSpan? ConnectTime { get; internal set; }

        /// <summary>Time of the TLS handshake.</summary>
        public TimeSpan? TlsHandshakeTime => Tls?.HandshakeTime;

        /// <summary>Time from the connection (or from TLS, for implicit TLS) to the 220 greeting.</summary>
        public TimeSpan? GreetingTime { get; internal set; }

        /// <summary>
        /// Wall time of the whole probe of this port: connect, greeting (or, on a silent port, the short head start and
        /// the TLS handshake on a second connection), EHLO, STARTTLS, EHLO inside TLS, QUIT. An implicit-TLS port no
        /// longer pays a fixed greeting wait.
        /// </summary>
        public TimeSpan Duration { get; internal set; }

        /// <summary>The kind of failure, or None.</summary>
        public SmtpFailureKind FailureKind { get; internal set; }

        /// <summary>What went wrong, in words, or null.</summary>
        public string? ErrorMessage { get; internal set; }

        /// <summary>Remarks about this port (misconfigurations, protocol oddities).</summary>
        public IReadOnlyList<string> Notes => SmtpList<string>.From(_notes);

        private readonly List<string> _notes = new List<string>();

        internal void AddNote(string note) => _notes.Add(note);

        /// <inheritdoc />
        public override string ToString() => $"{ComputerName}:{Port} {Status} {Security}";
    }
}
