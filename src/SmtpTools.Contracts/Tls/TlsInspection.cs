using System;

namespace SmtpTools
{
    /// <summary>What one TLS handshake negotiated, and the server certificate with its verdict.</summary>
    public sealed class TlsInspection
    {
        internal TlsInspection(TlsProtocolVersion protocol, string cipherSuite, SmtpCertificateInfo? certificate, TimeSpan handshakeTime)
        {
            Protocol = protocol;
            CipherSuite = cipherSuite;
            Certificate = certificate;
            HandshakeTime = handshakeTime;
        }

        /// <summary>The negotiated protocol version.</summary>
        public TlsProtocolVersion Protocol { get; }

        /// <summary>The negotiated cipher suite, IANA name (TLS_AES_256_GCM_SHA384).</summary>
        public string CipherSuite { get; }

        // The server's certificate and verdict, null when it presented none. Not a public property: the results that
        // hold this inspection show the certificate once, as their own Certificate property, and ConvertTo-Json (two
        // levels deep by default) would otherwise cut it short with a warning.
        internal SmtpCertificateInfo? Certificate { get; }

        /// <summary>The server's certificate and verdict; null when the server presented none (the result's own Certificate property is the same).</summary>
        public SmtpCertificateInfo? GetCertificate() => Certificate;

        /// <summary>How long the handshake took.</summary>
        public TimeSpan HandshakeTime { get; }

        /// <inheritdoc />
        public override string ToString() => $"{Protocol} {CipherSuite}";
    }
}
