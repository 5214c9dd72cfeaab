using System;
using System.Net;
using System.Security;

namespace SmtpTools
{
    /// <summary>Where and how an <see cref="SmtpMailSession"/> sends: server, security, trust, authentication, retries, logging.</summary>
    public sealed class SmtpSendOptions
    {
        /// <summary>The server name or address; also the name the certificate must carry.</summary>
        public string SmtpServer { get; set; } = string.Empty;

        /// <summary>The TCP port.</summary>
        public int Port { get; set; } = 25;

        /// <summary>How the connection is secured. Auto: by the port's behaviour, implicit TLS when it waits for a ClientHello, STARTTLS (required) when it greets in clear; never plaintext.</summary>
        public SmtpRequestedSecurity Security { get; set; } = SmtpRequestedSecurity.Auto;

        /// <summary>Lets <see cref="SmtpRequestedSecurity.None"/> send without encryption. Never applies to credentials or tokens.</summary>
        public bool AllowUnencrypted { get; set; }

        /// <summary>How the server certificate is judged.</summary>
        public CertificatePolicy CertificatePolicy { get; set; } = CertificatePolicy.Default;

        /// <summary>The lowest TLS version accepted (TLS 1.2 unless lowered explicitly).</summary>
        public TlsProtocolVersion MinimumTlsVersion { get; set; } = TlsProtocolVersion.Tls12;

        /// <summary>A user name and password for SMTP AUTH (the strongest mechanism both sides offer).</summary>
        public NetworkCredential? Credential { get; set; }

        /// <summary>An OAuth 2.0 access token for XOAUTH2 or OAUTHBEARER (Microsoft 365, Gmail).</summary>
        public SecureString? AccessToken { get; set; }

        /// <summary>
        /// Where the access token comes from at AUTH time, renewed when due (Get-SmtpAccessToken's tokens); takes the
        /// place of <see cref="AccessToken"/> when set.
        /// </summary>
        public Authentication.SmtpTokenSource? TokenSource { get; set; }

        /// <summary>The account the access token belongs to.</summary>
        public string? AccessTokenUser { get; set; }

        /// <summary>The bound on each network step (connect, handshake, each command, each write of message data).</summary>
        public TimeSpan Timeout { get; set; } = Protocol.SmtpDefaults.Timeout;

        /// <summary>Resolves the server's name instead of the system's resolver (-DnsServer); null for the system's.</summary>
        public Discovery.DnsResolver? Dns { get; set; }

        /// <summary>The name sent with EHLO.</summary>
        public string HeloName { get; set; } = Protocol.SmtpDefaults.HeloName;

        /// <summary>Further attempts after a dropped connection, a timeout or a 4xx reply. What would only fail again (5xx, a refused connection, certificate, TLS, protocol or security-mode failures, a message over the server's SIZE) is never retried.</summary>
        public int RetryCount { get; set; } = 2;

        /// <summary>The wait before the first retry; it doubles for each further one (at most one minute).</summary>
        public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>
        /// Also retry when the connection broke after the whole message was sent. The server may already have
        /// accepted it, so this can deliver it twice.
        /// </summary>
        public bool RetryWhenOutcomeUnknown { get; set; }

        /// <summary>Ask for REQUIRETLS (RFC 8689); a server that does not offer it fails the message.</summary>
        public bool RequireTls { get; set; }

        /// <summary>A file the swaks-style transcript is appended to, secrets redacted; null for none.</summary>
        public string? ProtocolLogPath { get; set; }

        /// <summary>Receives the swaks-style transcript line by line (secrets redacted, message data summarised).</summary>
        public Action<string>? Transcript { get; set; }

        /// <summary>Receives one line per notable step: connected, TLS, authenticated, message accepted, retrying.</summary>
        public Action<string>? Activity { get; set; }

        /// <summary>True when credentials or a token are given.</summary>
        public bool HasSecrets => Credential != null || AccessToken != null || TokenSource != null;

        /// <summary>An OAuth token authenticates: given as it is, or from a token source.</summary>
        public bool HasAccessToken => AccessToken != null || TokenSource != null;

        /// <summary>Describes the security in words for confirmations: "STARTTLS required, TLS 1.2 or later, certificate verified".</summary>
        public string DescribeSecurity()
        {
            switch (Security)
            {
                case SmtpRequestedSecurity.None:
                    return "NO encryption";
                case SmtpRequestedSecurity.ImplicitTls:
                    return $"implicit TLS, {DescribeTrust()}";
                case SmtpRequestedSecurity.Auto:
                    return $"TLS required (implicit or STARTTLS, as the port speaks), {DescribeTrust()}";
                default:
                    return $"STARTTLS required, {DescribeTrust()}";
            }
        }

        /// <summary>Refuses combinations that would send without the protection the user is entitled to. No network I/O.</summary>
        /// <exception cref="SmtpConnectionException">EncryptionRequired: unencrypted sending not allowed, or secrets without encryption. NameNotResolved: the server's name cannot be a host name (a space, a URL, host:port...).</exception>
        /// <exception cref="ArgumentException">No server, or a port out of range.</exception>
        public void Validate()
        {
            if (string.IsNullOrWhiteSpace(SmtpServer))
            {
                throw new ArgumentException("No SMTP server given: name one with -SmtpServer or set $PSEmailServer.");
            }

            if (Port < 1 || Port > 65535)
            {
                throw new ArgumentException($"The port {Port} is out of range (1-65535).");
            }

            var problem = Probing.HostNameSyntax.FindProblem(SmtpServer);
            if (problem != null)
            {
                throw Probing.HostNameSyntax.Invalid(SmtpServer, problem);
            }

            if (Security != SmtpRequestedSecurity.None)
            {
                return;
            }

            if (HasSecrets)
            {
                throw new SmtpConnectionException(
                    SmtpFailureKind.EncryptionRequired,
                    "Credentials and access tokens are never sent without encryption, so -Security None cannot be used with -Credential or -AccessToken. Use a port that offers TLS (465 or 587).");
            }

            if (!AllowUnencrypted)
            {
                throw new SmtpConnectionException(
                    SmtpFailureKind.EncryptionRequired,
                    "-Security None sends the message in clear text, readable by anyone on the path. Add -AllowUnencrypted to confirm that this is intended, or use a port that offers TLS.");
            }
        }

        private string DescribeTrust()
        {
            var version = MinimumTlsVersion == TlsProtocolVersion.Tls13 ? "TLS 1.3" : MinimumTlsVersion == TlsProtocolVersion.Tls12 ? "TLS 1.2 or later" : $"{MinimumTlsVersion} or later (lowered)";
            var trust = CertificatePolicy.SkipValidation ? "certificate NOT verified" : CertificatePolicy.PinnedThumbprints.Count > 0 ? "certificate pinned or verified" : "certificate verified";
            return $"{version}, {trust}";
        }
    }
}
