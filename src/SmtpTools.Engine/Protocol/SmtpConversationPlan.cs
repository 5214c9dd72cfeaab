using System;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Protocol
{
    /// <summary>What one <see cref="SmtpConversation"/> is to do: the mode asked for, the bounds, the trust, and where to stop.</summary>
    internal sealed class SmtpConversationPlan
    {
        /// <summary>The name certificates are checked against and sent as SNI (unless it is an address).</summary>
        public string TargetHost { get; set; } = string.Empty;

        public int Port { get; set; }

        /// <summary>
        /// Auto finds the mode by behaviour (greets in clear: STARTTLS; silent and answering a handshake: implicit TLS).
        /// An explicit mode that the port contradicts fails with <see cref="SmtpFailureKind.SecurityMismatch"/>.
        /// </summary>
        public SmtpRequestedSecurity Requested { get; set; } = SmtpRequestedSecurity.Auto;

        /// <summary>STARTTLS must succeed on a port that greets in clear (sending); false only observes (probe, audit).</summary>
        public bool RequireTls { get; set; }

        /// <summary>The bound on each step (connect, greeting, each command, the handshake).</summary>
        public TimeSpan Timeout { get; set; } = SmtpDefaults.Timeout;

        /// <summary>How long a port may stay silent before the detection takes it for implicit TLS (capped at half the timeout).</summary>
        public TimeSpan GreetingWait { get; set; } = SmtpDefaults.GreetingWait;

        public string HeloName { get; set; } = SmtpDefaults.HeloName;

        public CertificatePolicy CertificatePolicy { get; set; } = CertificatePolicy.Default;

        /// <summary>An unacceptable certificate fails the handshake (sending); otherwise it is only judged (probe, audit).</summary>
        public bool EnforceCertificate { get; set; }

        /// <summary>The TLS versions to offer; None lets the platform choose.</summary>
        public SslProtocols Protocols { get; set; } = SslProtocols.None;

        public ConversationEnd End { get; set; } = ConversationEnd.Quit;

        /// <summary>When the port stays silent and does no TLS, ask it in clear on a second connection what it is (the probe).</summary>
        public bool ExplainSilence { get; set; }

        /// <summary>Called inside TLS (or in clear, where the hook must refuse) after the last EHLO, before QUIT.</summary>
        public Func<SmtpConversation, CancellationToken, Task>? Authenticate { get; set; }

        /// <summary>Receives the swaks-style transcript.</summary>
        public Action<string>? Transcript { get; set; }

        /// <summary>Called when the server first sends anything, on either connection (each connection may call it once); null for no one.</summary>
        public Action? Answered { get; set; }

        /// <summary>Called when the conversation's TCP connection is established (again on a reconnect); null for no one.</summary>
        public Action? Connected { get; set; }

        /// <summary>How greeting or silence is told apart; one replaceable strategy.</summary>
        public ISecurityDetection Detection { get; set; } = GreetingWaitDetection.Instance;
    }
}
