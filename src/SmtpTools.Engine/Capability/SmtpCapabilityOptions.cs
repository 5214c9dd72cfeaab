using System.Net;

namespace SmtpTools
{
    /// <summary>What to inspect on an endpoint, and how.</summary>
    public sealed class SmtpCapabilityOptions
    {
        /// <summary>Timeouts, certificate policy, EHLO name and transcript, shared with Test-SmtpPort.</summary>
        public SmtpProbeOptions Connection { get; set; } = new SmtpProbeOptions();

        /// <summary>How to secure the session; <see cref="SmtpRequestedSecurity.Auto"/> detects it.</summary>
        public SmtpRequestedSecurity Security { get; set; } = SmtpRequestedSecurity.Auto;

        /// <summary>Also find which of TLS 1.0 to 1.3 the server accepts (four extra short connections, in parallel).</summary>
        public bool ScanTlsVersions { get; set; } = true;

        /// <summary>
        /// Also find every cipher suite the server accepts at each accepted TLS version, and whose order decides (about
        /// one short handshake per accepted suite, in parallel). Needs <see cref="ScanTlsVersions"/>.
        /// </summary>
        public bool ScanCipherSuites { get; set; }

        /// <summary>A credential to verify with AUTH PLAIN or LOGIN. Sent only inside TLS, and only when the certificate is acceptable.</summary>
        public NetworkCredential? Credential { get; set; }

        /// <summary>A copy of these options with <paramref name="connection"/> instead.</summary>
        internal SmtpCapabilityOptions WithConnection(SmtpProbeOptions connection) => new SmtpCapabilityOptions
        {
            Connection = connection,
            Security = Security,
            ScanTlsVersions = ScanTlsVersions,
            ScanCipherSuites = ScanCipherSuites,
            Credential = Credential,
        };
    }
}
