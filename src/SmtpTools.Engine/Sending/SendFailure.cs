using System;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace SmtpTools.Sending
{
    /// <summary>
    /// One failed attempt, classified: what kind, whether trying again may help (a dropped connection, a 4xx
    /// reply), and whether the server may already hold the message (a drop after the final dot). Pure: fault
    /// servers can test the decisions without the session.
    /// </summary>
    internal sealed class SendFailure
    {
        private SendFailure(SmtpFailureKind kind, string message, Exception? exception, int replyCode = 0, bool transient = false, bool outcomeUnknown = false)
        {
            Kind = kind;
            Message = message;
            Exception = exception;
            ReplyCode = replyCode;
            Transient = transient;
            OutcomeUnknown = outcomeUnknown;
        }

        public SmtpFailureKind Kind { get; }

        public string Message { get; }

        public Exception? Exception { get; }

        public int ReplyCode { get; }

        /// <summary>Trying again may succeed: the connection dropped before the data was complete, or a 4xx reply.</summary>
        public bool Transient { get; }

        /// <summary>The connection broke after the whole message was written: the server may have accepted it.</summary>
        public bool OutcomeUnknown { get; }

        /// <summary>The failure concerns the connection (TLS, certificate, AUTH, reaching the server), not this message.</summary>
        public bool IsConnectionLevel(SendStage stage) => stage <= SendStage.Authenticating;

        public static SendFailure Of(SmtpFailureKind kind, string message, Exception? exception = null, int replyCode = 0, bool transient = false) =>
            new SendFailure(kind, message, exception, replyCode, transient);

        /// <summary>The server's certificate failed the policy: nothing was sent.</summary>
        public static SendFailure CertificateRejected(string endpoint, SmtpCertificateInfo verdict, Exception cause) => Of(
            SmtpFailureKind.CertificateRejected,
            $"The certificate of {endpoint} is not acceptable ({verdict.Verdict}{(verdict.ChainStatus.Count > 0 ? "; " + string.Join("; ", verdict.ChainStatus) : string.Empty)}). Nothing was sent. {Tls.CertificateInspector.Remedy(verdict)}",
            new CertificateRejectedException(verdict, cause));

        /// <summary>The TLS handshake itself failed: nothing was sent.</summary>
        public static SendFailure HandshakeFailed(string endpoint, Exception cause) => Of(
            SmtpFailureKind.TlsHandshakeFailed,
            $"The TLS handshake with {endpoint} failed: {Sentence(Innermost(cause))} Nothing was sent. The server may only offer TLS versions below the minimum (-MinimumTlsVersion), or not speak TLS on this port.",
            cause);

        /// <summary>STARTTLS is required and the server does not offer it: nothing was sent.</summary>
        public static SendFailure StartTlsNotOffered(string endpoint, Exception? cause = null) => Of(
            SmtpFailureKind.StartTlsNotOffered,
            $"{endpoint} does not offer STARTTLS, so the connection cannot be encrypted; nothing was sent. Use the server's implicit-TLS port (465) or a port that offers STARTTLS (587). Sending in clear text needs -Security None -AllowUnencrypted and is never allowed with credentials.",
            cause);

        /// <summary>
        /// The message is larger than the limit the server advertised (EHLO SIZE, RFC 1870 4): refused before MAIL
        /// FROM, so no data is sent only to be answered 552. Never retried: the size will not change.
        /// </summary>
        public static SendFailure TooLarge(string endpoint, long size, long limit) => Of(
            SmtpFailureKind.MessageTooLarge,
            $"The message is {size.ToString(CultureInfo.InvariantCulture)} bytes, larger than the {limit.ToString(CultureInfo.InvariantCulture)} bytes {endpoint} accepts (SIZE {limit.ToString(CultureInfo.InvariantCulture)} in its EHLO reply, RFC 1870), so it was not sent: nothing went past EHLO. Make it smaller (attachments are sent base64-encoded, a third larger than the files: compress them or send a link), or send through a server that accepts larger messages.");

        /// <summary>
        /// This failure with every form of the secret taken out of its message; when the exception chain holds one (a
        /// server that echoed the credential, quoted by MailKit), the chain is dropped: exception text cannot be edited.
        /// </summary>
        public SendFailure Scrubbed(Protocol.SecretScrubber scrubber)
        {
            var exceptionLeaks = scrubber.Finds(Exception);
            if (!exceptionLeaks && !scrubber.Finds(Message))
            {
                return this;
            }

            var message = scrubber.Scrub(Message);
            var exception = exceptionLeaks ? new SmtpConnectionException(Kind, message, null, ReplyCode) : Exception;
            return new SendFailure(Kind, message, exception, ReplyCode, Transient, OutcomeUnknown);
        }

        /// <summary>The failure as an exception the session's classifier maps back to this failure.</summary>
        public SmtpConnectionException ToException() => new SmtpConnectionException(Kind, Message, Exception, ReplyCode);

        /// <summary>Classifies what an attempt threw at <paramref name="stage"/>.</summary>
        /// <param name="verdict">The certificate verdict of the last handshake, to tell a rejected certificate from a failed handshake.</param>
        /// <param name="startTlsSent">STARTTLS was sent on this connection.</param>
        /// <param name="endpoint">"host:port", for messages.</param>
        public static SendFailure Classify(Exception e, SendStage stage, SmtpCertificateInfo? verdict, bool startTlsSent, string endpoint)
        {
            switch (e)
            {
                case SmtpConnectionException connection:
                    // A 4xx reply is temporary whoever read it (MailKit or our own STARTTLS steps): 421 greeting, 454 to STARTTLS.
                    return new SendFailure(connection.Kind, connection.Message, connection, connection.ReplyCode, IsTransient(connection.Kind) || IsTransientReply(connection.ReplyCode));

                case SslHandshakeException handshake when verdict != null && !verdict.IsAcceptable:
                    return CertificateRejected(endpoint, verdict, handshake);

                case SslHandshakeException handshake:
                    return HandshakeFailed(endpoint, handshake);

                case NotSupportedException notSupported when stage == SendStage.Connecting:
                    return StartTlsNotOffered(endpoint, notSupported);

                case NotSupportedException notSupported when stage == SendStage.Authenticating:
                    return Of(SmtpFailureKind.ExtensionNotSupported, $"{endpoint} does not offer authentication (no AUTH in its EHLO reply), so the credentials were not sent. Check the port: submission ports (587, 465) authenticate.", notSupported);

                case NotSupportedException notSupported:
                    return Of(SmtpFailureKind.ExtensionNotSupported, $"{endpoint} cannot take this message: {notSupported.Message}", notSupported);

                case SmtpCommandException command:
                    return FromReply(command, stage, startTlsSent, endpoint);

                case Protocol.SmtpProtocolException broken when stage == SendStage.DataComplete:
                    return UnknownOutcome(endpoint, $"answered with something that is not SMTP ({broken.Message})", broken);

                case Protocol.SmtpProtocolException broken:
                    return new SendFailure(
                        SmtpFailureKind.ProtocolError,
                        $"{endpoint} broke the SMTP protocol while {Describe(stage)}: {broken.Message} The connection was closed and nothing was delivered; it was not retried, because a server that breaks the protocol answers the same way again. The server (or something between) is faulty: try another port or server, or run with -Debug to see the conversation.",
                        broken);

                case ServiceNotAuthenticatedException notAuthenticated:
                    return Of(SmtpFailureKind.AuthenticationFailed, $"{endpoint} requires authentication before it takes mail: give -Credential (or -AccessToken). Server said: {notAuthenticated.Message}", notAuthenticated, 530);

                case SaslException sasl:
                    return Of(SmtpFailureKind.AuthenticationFailed, $"Authentication with {endpoint} failed: {sasl.Message}", sasl);

                case AuthenticationException authentication:
                    var code = LeadingCode(authentication.Message);
                    return Of(SmtpFailureKind.AuthenticationFailed, $"{endpoint} refused the credentials: {authentication.Message}. Check the user name and password (or token); nothing was sent.", authentication, code, transient: IsTransientReply(code));

            }

            if (IsConnectionBreak(e))
            {
                var timedOut = IsTimeout(e);
                if (stage == SendStage.DataComplete)
                {
                    return UnknownOutcome(endpoint, timedOut ? "timed out" : "broke", e);
                }

                return new SendFailure(
                    timedOut ? SmtpFailureKind.TimedOut : SmtpFailureKind.ConnectionClosed,
                    $"The connection to {endpoint} {(timedOut ? "timed out" : "was closed")} while {Describe(stage)}: {Sentence(Innermost(e))} Nothing was delivered by this attempt. " +
                    (timedOut ? "Check that the server answers (or raise -TimeoutSec for a slow one)." : "The server may be overloaded or restarting: try again later (-RetryCount retries at once)."),
                    e,
                    transient: true);
            }

            return Of(SmtpFailureKind.ProtocolError, $"Sending through {endpoint} failed while {Describe(stage)}: {Sentence(Innermost(e))} Nothing was delivered by this attempt; if it persists, run with -Debug to see the conversation.", e);
        }

        private static SendFailure UnknownOutcome(string endpoint, string what, Exception e) => new SendFailure(
            SmtpFailureKind.OutcomeUnknown,
            $"The connection to {endpoint} {what} after the whole message was sent, before the server confirmed it: it may or may not have been accepted. It was not sent again, to avoid a duplicate; check the recipient's mailbox, or use -RetryWhenOutcomeUnknown to resend in such cases. ({Innermost(e)})",
            e,
            outcomeUnknown: true);

        private static SendFailure FromReply(SmtpCommandException command, SendStage stage, bool startTlsSent, string endpoint)
        {
            var code = (int)command.StatusCode;
            var transient = IsTransientReply(code);
            var reply = $"{code.ToString(CultureInfo.InvariantCulture)} {command.Message}";
            if (stage == SendStage.Connecting)
            {
                return startTlsSent
                    ? Of(SmtpFailureKind.StartTlsRefused, $"{endpoint} offered STARTTLS but refused it ({reply}); nothing was sent. {Advice(transient)}", command, code, transient)
                    : Of(SmtpFailureKind.CommandRejected, $"{endpoint} refused the session ({reply}); nothing was sent. {Advice(transient)}", command, code, transient);
            }

            if (command.ErrorCode == SmtpErrorCode.SenderNotAccepted)
            {
                return Of(SmtpFailureKind.MessageRejected, $"{endpoint} refused the sender {command.Mailbox?.Address}: {Sentence(reply)} " + (transient ? Advice(true) : "Use a From address this account may send as, or ask the server's administrator."), command, code, transient);
            }

            return Of(SmtpFailureKind.MessageRejected, $"{endpoint} refused the message: {Sentence(reply)} " + (transient ? Advice(true) : "It will not be accepted as it is: the reply says why (content, size, policy)."), command, code, transient);
        }

        internal static bool IsTransientReply(int code) => code >= 400 && code < 500;

        // Only what may go away by itself: a timeout, a dropped connection. A refused connection (nothing listens), a
        // certificate, a handshake, a protocol violation or a security mismatch gives the same answer a second later.
        private static bool IsTransient(SmtpFailureKind kind) =>
            kind == SmtpFailureKind.TimedOut || kind == SmtpFailureKind.ConnectionClosed;

        private static bool IsConnectionBreak(Exception e) =>
            e is IOException || e is SocketException || e is TimeoutException || e is ObjectDisposedException ||
            e is MailKit.Net.Smtp.SmtpProtocolException || e is ServiceNotConnectedException || e is OperationCanceledException;

        private static bool IsTimeout(Exception e)
        {
            for (var inner = e; inner != null; inner = inner.InnerException)
            {
                if (inner is TimeoutException || inner is OperationCanceledException || (inner is SocketException s && s.SocketErrorCode == SocketError.TimedOut))
                {
                    return true;
                }
            }

            return false;
        }

        internal static int LeadingCode(string message)
        {
            return message.Length >= 3 && int.TryParse(message.Substring(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 0;
        }

        private static string Describe(SendStage stage)
        {
            switch (stage)
            {
                case SendStage.Connecting: return "connecting";
                case SendStage.Authenticating: return "authenticating";
                case SendStage.Envelope: return "giving sender and recipients";
                default: return "sending the message data";
            }
        }

        /// <summary>What to do about a refusal: wait for a temporary (4xx) one, ask about a permanent (5xx) one.</summary>
        internal static string Advice(bool transient) => transient
            ? "The refusal is temporary (4xx): it was retried as -RetryCount allows; try again later."
            : "The refusal is permanent (5xx): check the server and the account, or ask the server's administrator.";

        // One sentence, ending in one full stop, whatever the inner message did.
        private static string Sentence(string text)
        {
            text = text.Trim();
            return text.Length == 0 || text.EndsWith(".", StringComparison.Ordinal) || text.EndsWith("!", StringComparison.Ordinal) || text.EndsWith("?", StringComparison.Ordinal) ? text : text + ".";
        }

        private static string Innermost(Exception e)
        {
            while (e.InnerException != null)
            {
                e = e.InnerException;
            }

            return e.Message;
        }
    }
}
