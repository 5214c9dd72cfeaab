using System;
using System.Collections.Generic;
using System.Linq;

namespace SmtpTools
{
    /// <summary>The outcome of sending one message: Send-SecureMail's -PassThru output.</summary>
    public sealed class SmtpSendResult
    {
        /// <summary>Sent, PartiallySent, Failed or OutcomeUnknown.</summary>
        public SmtpSendStatus Status { get; internal set; }

        /// <summary>The Message-ID header of the message, without angle brackets.</summary>
        public string MessageId { get; internal set; } = string.Empty;

        /// <summary>The sender address (MAIL FROM).</summary>
        public string From { get; internal set; } = string.Empty;

        /// <summary>The subject.</summary>
        public string? Subject { get; internal set; }

        /// <summary>Every envelope recipient (To, Cc and Bcc).</summary>
        public IReadOnlyList<string> Recipients { get => _recipients; internal set => _recipients = SmtpList<string>.From(value); }

        private IReadOnlyList<string> _recipients = SmtpList<string>.Empty;

        /// <summary>Recipients the server accepted the message for.</summary>
        public IReadOnlyList<string> AcceptedRecipients { get => _acceptedRecipients; internal set => _acceptedRecipients = SmtpList<string>.From(value); }

        private IReadOnlyList<string> _acceptedRecipients = SmtpList<string>.Empty;

        /// <summary>Recipients the server refused, each with its reply.</summary>
        public IReadOnlyList<SmtpRejectedRecipient> RejectedRecipients { get => _rejectedRecipients; internal set => _rejectedRecipients = SmtpList<SmtpRejectedRecipient>.From(value); }

        private IReadOnlyList<SmtpRejectedRecipient> _rejectedRecipients = SmtpList<SmtpRejectedRecipient>.Empty;

        /// <summary>The server's final reply to the message data ("2.0.0 Ok: queued as ..."), or to the failing command.</summary>
        public string? ServerResponse { get; internal set; }

        /// <summary>How many times the message was tried (1 when it went through at once; 0 when it never reached the server).</summary>
        public int Attempts { get; internal set; }

        /// <summary>Wall time from the first attempt to the outcome, retries and back-off included.</summary>
        public TimeSpan Duration { get; internal set; }

        /// <summary>The server as given.</summary>
        public string SmtpServer { get; internal set; } = string.Empty;

        /// <summary>The TCP port.</summary>
        public int Port { get; internal set; }

        /// <summary>The security mode the message travelled under, as the port really spoke it (ImplicitTls, StartTls, or PlainOnly with -Security None); Unknown when no connection was made.</summary>
        public SmtpObservedSecurity Security { get; internal set; }

        /// <summary>The negotiated TLS version, or None.</summary>
        public TlsProtocolVersion TlsProtocol { get; internal set; }

        /// <summary>The negotiated cipher suite, or null.</summary>
        public string? CipherSuite { get; internal set; }

        /// <summary>The server certificate and the verdict on it, or null without TLS.</summary>
        public SmtpCertificateInfo? Certificate { get; internal set; }

        /// <summary>The account the session authenticated as, or null (never a secret).</summary>
        public string? AuthenticatedAs { get; internal set; }

        /// <summary>Why the message (or some recipients) failed; None when sent.</summary>
        public SmtpFailureKind FailureKind { get; internal set; }

        /// <summary>What went wrong, in words, or null. Never contains a secret.</summary>
        public string? ErrorMessage { get; internal set; }

        /// <summary>When the send started.</summary>
        public DateTimeOffset Timestamp { get; internal set; }

        internal Exception? Exception { get; set; }

        /// <summary>The exception behind the failure (for an error record), or null when sent.</summary>
        public Exception? GetException() => Exception;

        /// <inheritdoc />
        public override string ToString() => $"{Status} {MessageId} ({AcceptedRecipients.Count} accepted, {RejectedRecipients.Count} rejected)";
    }
}
