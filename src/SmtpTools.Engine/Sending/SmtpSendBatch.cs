using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;

namespace SmtpTools
{
    /// <summary>
    /// Send-SecureMail's engine for one pipeline: checks each message and its options before any network I/O, and
    /// sends it through the session of its endpoint, opened on first use and kept for the messages that follow
    /// (a new endpoint closes the old session politely). Whatever is wrong before connecting comes back one way: a
    /// failed <see cref="SmtpSendResult"/> whose exception says what (never thrown).
    /// </summary>
    public sealed class SmtpSendBatch : IDisposable
    {
        private SmtpMailSession? _session;
        private string? _sessionKey;

        /// <summary>Checks <paramref name="options"/> and <paramref name="message"/> and builds the MIME message; no network I/O.</summary>
        /// <param name="inputProblem">A problem the caller found while collecting the message (an attachment path that does not resolve).</param>
        /// <returns>The message ready to send, or the refusal.</returns>
        public SmtpSendRequest Prepare(OutgoingMessage message, SmtpSendOptions options, SmtpMessageException? inputProblem = null)
        {
            if (message is null)
            {
                throw new ArgumentNullException(nameof(message));
            }

            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            try
            {
                options.Validate();
            }
            catch (SmtpConnectionException e)
            {
                return SmtpSendRequest.Refused(Refusal(message, options, e.Kind, e.Message, e));
            }
            catch (ArgumentException e)
            {
                return SmtpSendRequest.Refused(Refusal(message, options, SmtpFailureKind.InvalidMessage, e.Message, e));
            }

            if (inputProblem != null)
            {
                return SmtpSendRequest.Refused(Refusal(message, options, SmtpFailureKind.InvalidMessage, inputProblem.Message, inputProblem));
            }

            PreparedMessage prepared;
            try
            {
                prepared = PreparedMessage.Create(message);
            }
            catch (SmtpMessageException e)
            {
                return SmtpSendRequest.Refused(Refusal(message, options, SmtpFailureKind.InvalidMessage, e.Message, e));
            }

            if (options.HasAccessToken && options.AccessTokenUser == null)
            {
                options.AccessTokenUser = prepared.From; // the token's account is the sender's unless named
            }

            return new SmtpSendRequest(prepared, options, Describe(prepared, options));
        }

        /// <summary>Sends a prepared message through its endpoint's session; failures of the message are in the result.</summary>
        /// <exception cref="System.IO.IOException">The protocol log file cannot be opened.</exception>
        /// <exception cref="UnauthorizedAccessException">The protocol log file may not be written.</exception>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public SmtpSendResult Send(SmtpSendRequest request, CancellationToken cancellationToken = default)
        {
            if (request?.Message is null)
            {
                throw new ArgumentException("Only a prepared message can be sent.", nameof(request));
            }

            return SessionFor(request.Options).Send(request.Message, cancellationToken);
        }

        /// <summary>Ends the open session politely (QUIT).</summary>
        public void Close(CancellationToken cancellationToken = default)
        {
            var session = _session;
            _session = null;
            _sessionKey = null;
            if (session == null)
            {
                return;
            }

            try
            {
                session.Close(cancellationToken);
            }
            finally
            {
                session.Dispose();
            }
        }

        /// <summary>Closes the open session without QUIT.</summary>
        public void Dispose()
        {
            _session?.Dispose();
            _session = null;
        }

        private SmtpMailSession SessionFor(SmtpSendOptions options)
        {
            var key = string.Join("|", options.SmtpServer.ToUpperInvariant(), options.Port.ToString(CultureInfo.InvariantCulture), options.Security.ToString());
            if (_session == null || key != _sessionKey)
            {
                Close();
                _session = new SmtpMailSession(options);
                _sessionKey = key;
            }

            return _session;
        }

        private static SmtpSendResult Refusal(OutgoingMessage message, SmtpSendOptions options, SmtpFailureKind kind, string error, Exception cause) => new SmtpSendResult
        {
            Status = SmtpSendStatus.Failed,
            Timestamp = DateTimeOffset.Now,
            From = message.From ?? string.Empty,
            Subject = message.Subject,
            Recipients = message.To.Concat(message.Cc).Concat(message.Bcc).ToList(),
            SmtpServer = options.SmtpServer,
            Port = options.Port,
            FailureKind = kind,
            ErrorMessage = error,
            Exception = cause,
        };

        // The confirmation text (-WhatIf, -Confirm, -Verbose): what is sent, to whom, where, and how it is protected.
        private static string Describe(PreparedMessage message, SmtpSendOptions options)
        {
            var text = new StringBuilder($"Send message '{message.Subject}' from {message.From} to {string.Join(", ", message.Recipients)}");
            text.Append($" via {options.SmtpServer}:{options.Port.ToString(CultureInfo.InvariantCulture)} ({options.DescribeSecurity()}");
            if (options.Credential != null)
            {
                text.Append($", authenticated as {options.Credential.UserName}");
            }
            else if (options.HasAccessToken)
            {
                text.Append($", OAuth token for {options.AccessTokenUser}");
            }

            text.Append(')');
            if (message.AttachmentBytes > 0)
            {
                text.Append($" with {message.AttachmentBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes of attachments");
            }

            return text.ToString();
        }
    }
}
