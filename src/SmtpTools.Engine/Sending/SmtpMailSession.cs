using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Net.Mail;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SmtpTools.Probing;
using SmtpTools.Protocol;
using SmtpTools.Sending;

namespace SmtpTools
{
    /// <summary>
    /// One SMTP session for a batch of messages: connects on the first message (TLS as the options demand,
    /// certificate judged by our policy, AUTH only inside TLS), sends every message over the same connection,
    /// reconnects when the server dropped it, and retries dropped connections and 4xx replies with back-off.
    /// A failure of the connection itself (certificate, STARTTLS missing, credentials refused) is remembered:
    /// later messages fail at once instead of hammering the server or locking the account.
    /// </summary>
    public sealed class SmtpMailSession : IDisposable
    {
        private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);

        // MailKit clones what it is given before changing anything, so two shared instances serve every message.
        private static readonly FormatOptions Ascii = FormatOptions.Default.Clone();
        private static readonly FormatOptions International = InternationalFormat();

        private readonly SmtpSendOptions _options;
        private readonly SmtpTranscriptLogger _logger;
        private readonly ConversationWatchdog _watchdog;
        private SecretScrubber _scrubber;
        private readonly string _endpoint;
        private EnvelopeSmtpClient? _client;
        private SmtpCertificateInfo? _verdict;
        private TlsInspection? _tls;
        private SendFailure? _sessionFailure;
        private TlsProtocolVersion _tlsProtocol;
        private SmtpObservedSecurity _mode;
        private string? _cipherSuite;
        private string? _authenticatedAs;
        private string? _currentSender;
        private SmtpAccessToken? _authenticatedToken;
        private bool _disposed;

        /// <summary>Creates a session; nothing is connected until the first <see cref="Send"/>.</summary>
        /// <exception cref="SmtpConnectionException">EncryptionRequired: the options would send without encryption.</exception>
        /// <exception cref="ArgumentException">No server or a bad port.</exception>
        /// <exception cref="System.IO.IOException">The protocol log file cannot be opened.</exception>
        public SmtpMailSession(SmtpSendOptions options)
        {
            _options = options ?? throw new ArgumentNullException(nameof(options));
            options.Validate();
            _endpoint = $"{options.SmtpServer}:{options.Port.ToString(CultureInfo.InvariantCulture)}";
            _logger = new SmtpTranscriptLogger(options.Transcript, options.ProtocolLogPath);
            _scrubber = ScrubberFor(options);
            _logger.SetSecrets(_scrubber.Forms);
            _watchdog = new ConversationWatchdog(_logger, options.Timeout);
            _logger.Note($"Session {DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss zzz} to {_endpoint}, {options.DescribeSecurity()}");
            _options.Activity?.Invoke(DescribeWorstCase(options));
        }

        /// <summary>
        /// The longest one message can be held by a server that stalls at one step of every attempt: each attempt is
        /// bounded by the timeout, and retries multiply it (RetryCount + 1 attempts, plus the back-off between them).
        /// </summary>
        internal static TimeSpan WorstCase(SmtpSendOptions options, out TimeSpan backOff)
        {
            backOff = TimeSpan.Zero;
            for (var attempt = 1; attempt <= options.RetryCount; attempt++)
            {
                backOff += RetryDelayAfter(options, attempt);
            }

            return TimeSpan.FromTicks(options.Timeout.Ticks * (options.RetryCount + 1)) + backOff;
        }

        private static string DescribeWorstCase(SmtpSendOptions options)
        {
            var total = WorstCase(options, out var backOff);
            var attempts = options.RetryCount + 1;
            var pause = backOff > TimeSpan.Zero ? $", plus {Seconds(backOff)} s of back-off between them" : string.Empty;
            return $"Bounds: a server that stalls holds each message at most {Seconds(total)} s in the worst case ({attempts} attempt{(attempts == 1 ? string.Empty : "s")} x {Seconds(options.Timeout)} s -TimeoutSec{pause}; -RetryCount and -TimeoutSec set it). " +
                "A refused connection, a certificate, TLS or protocol failure and a security mismatch are not retried.";
        }

        private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

        private static TimeSpan RetryDelayAfter(SmtpSendOptions options, int attempt) =>
            TimeSpan.FromMilliseconds(Math.Min(MaxRetryDelay.TotalMilliseconds, options.RetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)));

        /// <summary>How many connections this session opened (1 for a whole batch unless the server dropped it).</summary>
        public int ConnectionCount { get; private set; }

        /// <summary>True while a connection is open.</summary>
        public bool IsConnected => _client?.IsConnected == true;

        /// <summary>Waits between attempts; replaceable so fault tests need not sleep.</summary>
        internal Action<TimeSpan, CancellationToken> Delay { get; set; } = (delay, token) =>
        {
            token.WaitHandle.WaitOne(delay);
            token.ThrowIfCancellationRequested();
        };

        /// <summary>
        /// Sends one message, retrying as the options allow. Failures of the message (refused recipients, 5xx,
        /// exhausted retries, unknown outcome) are in the result, never thrown.
        /// </summary>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
        public SmtpSendResult Send(PreparedMessage message, CancellationToken cancellationToken = default)
        {
            if (message == null)
            {
                throw new ArgumentNullException(nameof(message));
            }

            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(SmtpMailSession));
            }

            _currentSender = message.From;
            var watch = Stopwatch.StartNew();
            var result = new SmtpSendResult
            {
                Timestamp = DateTimeOffset.Now,
                MessageId = message.MessageId,
                From = message.From,
                Subject = message.Subject,
                Recipients = message.Recipients,
                SmtpServer = _options.SmtpServer,
                Port = _options.Port,
            };

            if (IsConnected && _options.TokenSource?.IsDue(_authenticatedToken) == true)
            {
                // SMTP AUTH happens once per connection: a fresh token needs a fresh connection.
                _options.Activity?.Invoke($"The access token expires at {_authenticatedToken!.ExpiresOn?.ToLocalTime():HH:mm:ss}: reconnecting to {_endpoint} to authenticate with a renewed one.");
                Drop();
            }

            var accepted = new List<string>();
            var rejected = new List<SmtpRejectedRecipient>();
            var pending = new List<MailboxAddress>(message.Envelope);
            SendFailure? failure = _sessionFailure;
            var attempt = 0;
            var staleReconnectUsed = false;
            while (failure == null && pending.Count > 0)
            {
                attempt++;
                var stage = SendStage.Connecting;
                var reused = IsConnected;
                try
                {
                    string response;
                    using (_watchdog.Operation())
                    {
                        EnsureConnected(ref stage, cancellationToken);
                        response = SendOnce(message, pending, ref stage, cancellationToken);
                    }

                    result.ServerResponse = _scrubber.Scrub(response);
                    foreach (var mailbox in _client!.Accepted)
                    {
                        accepted.Add(mailbox.Address);
                    }

                    pending = SettleRejections(pending, rejected, final: attempt > _options.RetryCount);
                    if (pending.Count > 0)
                    {
                        Retrying(attempt, $"{pending.Count} recipient(s) temporarily refused", cancellationToken);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    Drop();
                    throw;
                }
                catch (Exception e) when (!(e is ArgumentNullException))
                {
                    // When the watchdog closed the connection, what MailKit saw (a closed socket) is not the story.
                    // A server may echo the credential in its refusal: nothing it said reaches a result, an error or a log unscrubbed.
                    var current = SendFailure.Classify(_watchdog.TakeFailure() ?? e, stage, _verdict, _logger.StartTlsSent, _endpoint).Scrubbed(_scrubber);
                    if (_client?.IsConnected != true || current.IsConnectionLevel(stage))
                    {
                        Drop();
                    }

                    if (current.Kind == SmtpFailureKind.MessageRejected && !IsSenderRefusal(e) && _client != null && _client.Accepted.Count == 0 && _client.Rejected.Count > 0)
                    {
                        // MailKit reports "no recipients accepted" as a message failure; the recipients' own replies say more.
                        // Not when the sender was refused: with PIPELINING every RCPT then gets "503 need MAIL command",
                        // which says nothing about the recipients.
                        pending = SettleRejections(pending, rejected, final: attempt > _options.RetryCount);
                        if (pending.Count > 0)
                        {
                            Retrying(attempt, $"{pending.Count} recipient(s) temporarily refused", cancellationToken);
                        }

                        continue;
                    }

                    result.ServerResponse = current.ReplyCode > 0 ? current.Message : result.ServerResponse;
                    if (current.OutcomeUnknown && !_options.RetryWhenOutcomeUnknown)
                    {
                        failure = current;
                        break;
                    }

                    var retryable = current.Transient || current.OutcomeUnknown;
                    if (retryable && reused && !staleReconnectUsed && stage <= SendStage.Envelope && current.ReplyCode == 0)
                    {
                        // A connection kept open between messages may have been closed by the server meanwhile: one free reconnect.
                        staleReconnectUsed = true;
                        attempt--;
                        _options.Activity?.Invoke($"The server closed the idle connection; reconnecting to {_endpoint}.");
                        continue;
                    }

                    if (retryable && attempt <= _options.RetryCount)
                    {
                        Retrying(attempt, current.Message, cancellationToken);
                        continue;
                    }

                    failure = current;
                    if (current.IsConnectionLevel(stage))
                    {
                        // Every later message would meet the same refusal: remember it instead of reconnecting (and re-authenticating) each time.
                        _sessionFailure = current;
                    }
                }
            }

            _logger.Flush();
            result.Attempts = attempt;
            result.Duration = watch.Elapsed;
            result.AcceptedRecipients = accepted;
            result.RejectedRecipients = rejected;
            result.TlsProtocol = _tlsProtocol;
            result.Security = _mode;
            result.CipherSuite = _cipherSuite;
            result.Certificate = _verdict;
            result.AuthenticatedAs = _authenticatedAs;
            Settle(result, failure);
            return result;
        }

        /// <summary>Ends the session politely (QUIT) if one is open.</summary>
        public void Close(CancellationToken cancellationToken = default)
        {
            if (_client?.IsConnected == true)
            {
                try
                {
                    using (_watchdog.Operation())
                    {
                        _client.Disconnect(true, cancellationToken);
                    }
                }
                catch (Exception e) when (e is System.IO.IOException || e is System.Net.Sockets.SocketException || e is MailKit.Net.Smtp.SmtpProtocolException || e is SmtpCommandException || e is OperationCanceledException || e is ObjectDisposedException)
                {
                    // The server went away first: nothing left to close politely.
                }
            }

            Drop();
            _logger.Flush();
        }

        /// <summary>Closes the connection without QUIT and the protocol log.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Drop();
            _watchdog.Close();
            _logger.Close();
        }

        private void Settle(SmtpSendResult result, SendFailure? failure)
        {
            if (failure != null && failure.OutcomeUnknown && !_options.RetryWhenOutcomeUnknown)
            {
                result.Status = SmtpSendStatus.OutcomeUnknown;
            }
            else if (result.AcceptedRecipients.Count > 0)
            {
                result.Status = result.RejectedRecipients.Count > 0 ? SmtpSendStatus.PartiallySent : SmtpSendStatus.Sent;
            }
            else
            {
                result.Status = SmtpSendStatus.Failed;
            }

            if (failure != null)
            {
                result.FailureKind = failure.Kind;
                result.ErrorMessage = failure.Message;
                result.Exception = failure.Exception is SmtpConnectionException sce ? sce : new SmtpConnectionException(failure.Kind, failure.Message, failure.Exception, failure.ReplyCode);
            }
            else if (result.RejectedRecipients.Count > 0)
            {
                var list = string.Join("; ", result.RejectedRecipients.Select(r => r.ToString()));
                result.FailureKind = SmtpFailureKind.RecipientRejected;
                result.ErrorMessage = $"{_endpoint} refused {result.RejectedRecipients.Count} recipient(s): {list}";
                result.Exception = new SmtpConnectionException(SmtpFailureKind.RecipientRejected, result.ErrorMessage, null, result.RejectedRecipients[0].ReplyCode);
            }

            _options.Activity?.Invoke(Summary(result));
        }

        private static string Summary(SmtpSendResult result)
        {
            var text = new StringBuilder($"Message <{result.MessageId}>: {result.Status}, {result.AcceptedRecipients.Count} accepted");
            if (result.RejectedRecipients.Count > 0)
            {
                text.Append($", {result.RejectedRecipients.Count} rejected ({string.Join("; ", result.RejectedRecipients.Select(r => r.ToString()))})");
            }

            text.Append($", {result.Attempts} attempt(s), {result.Duration.TotalMilliseconds:0} ms");
            if (result.ServerResponse != null)
            {
                text.Append($"; server: {result.ServerResponse}");
            }

            return text.ToString();
        }

        private static bool IsSenderRefusal(Exception e) =>
            e is SmtpCommandException command && command.ErrorCode == SmtpErrorCode.SenderNotAccepted;

        // Recipients refused for good leave the envelope; temporary refusals stay for the next attempt unless this was the last.
        private List<MailboxAddress> SettleRejections(List<MailboxAddress> pending, List<SmtpRejectedRecipient> rejected, bool final)
        {
            var client = _client!;
            if (client.Rejected.Count == 0 && client.Accepted.Count == pending.Count)
            {
                return new List<MailboxAddress>(); // the usual answer: every recipient accepted
            }

            var still = new List<MailboxAddress>();
            foreach (var (mailbox, code, response) in client.Rejected)
            {
                if (code >= 500 || final)
                {
                    rejected.Add(new SmtpRejectedRecipient(mailbox.Address, code, _scrubber.Scrub(response)));
                }
                else
                {
                    still.Add(mailbox);
                }
            }

            var done = new HashSet<string>(client.Accepted.Select(a => a.Address).Concat(rejected.Select(r => r.Address)), StringComparer.OrdinalIgnoreCase);
            return pending.Where(p => still.Contains(p) || !done.Contains(p.Address) && !client.Accepted.Contains(p) && !client.Rejected.Any(r => r.Mailbox == p)).ToList();
        }

        private void Retrying(int attempt, string reason, CancellationToken cancellationToken)
        {
            var delay = RetryDelayAfter(_options, attempt);
            _options.Activity?.Invoke($"Attempt {attempt} failed ({reason}); retrying in {delay.TotalSeconds:0.#} s.");
            _logger.Note($"Retrying in {delay.TotalSeconds:0.#} s: {reason}");
            Delay(delay, cancellationToken);
        }

        private string SendOnce(PreparedMessage message, List<MailboxAddress> recipients, ref SendStage stage, CancellationToken cancellationToken)
        {
            var client = _client!;
            if (message.NeedsSmtpUtf8 && (client.Capabilities & SmtpCapabilities.UTF8) == 0)
            {
                throw new SmtpConnectionException(SmtpFailureKind.ExtensionNotSupported, $"{_endpoint} does not support SMTPUTF8 (RFC 6531), which the non-ASCII addresses of this message need. Nothing was sent.");
            }

            if (_options.RequireTls && (client.Capabilities & SmtpCapabilities.RequireTLS) == 0)
            {
                throw new SmtpConnectionException(SmtpFailureKind.ExtensionNotSupported, $"-RequireTls asks every server on the way to use TLS (REQUIRETLS, RFC 8689), but {_endpoint} does not offer REQUIRETLS. Nothing was sent; send without -RequireTls or through a server that supports it.");
            }

            stage = SendStage.Envelope;
            client.BeginAttempt(ToNotify(message.DeliveryNotification), message.MessageId);
            client.RequireTLS = _options.RequireTls;
            try
            {
                return client.Send(message.NeedsSmtpUtf8 ? International : Ascii, message.Mime, message.Sender, recipients, cancellationToken, client);
            }
            finally
            {
                stage = client.Stage;
            }
        }

        private void EnsureConnected(ref SendStage stage, CancellationToken cancellationToken)
        {
            if (_client?.IsConnected == true)
            {
                return;
            }

            Drop();
            stage = SendStage.Connecting;
            _verdict = null;
            _logger.Reset(implicitTls: false);
            var client = new EnvelopeSmtpClient(_watchdog)
            {
                Endpoint = _endpoint,
                LocalDomain = _options.HeloName,
                Timeout = (int)Math.Min(int.MaxValue, _options.Timeout.TotalMilliseconds),
                // TLS is ours (EstablishTls); MailKit only ever sees the encrypted stream, so it must never negotiate.
                CheckCertificateRevocation = false,
                ServerCertificateValidationCallback = (sender, certificate, chain, errors) => false,
            };
            _client = client;

            var addresses = SmtpWireSession.ResolveAsync(_options.SmtpServer, _options.Timeout, _options.Dns, cancellationToken).GetAwaiter().GetResult();
            IPAddress address;
            if (_options.Security == SmtpRequestedSecurity.None)
            {
                Socket socket;
                (socket, address, _) = SmtpWireSession.ConnectSocketAsync(addresses, _options.Port, _options.Timeout, null, cancellationToken).GetAwaiter().GetResult();
                socket = BlockingSocket.TryDetach(socket) ?? socket; // as EstablishTls does: MailKit only blocks on it from here
                socket.ReceiveTimeout = socket.SendTimeout = client.Timeout;
                _watchdog.Watch(socket);
                _logger.Note($"Connected to {SmtpWireSession.Format(address, _options.Port)} ({_options.DescribeSecurity()})");
                client.Connect(socket, _options.SmtpServer, _options.Port, SecureSocketOptions.None, cancellationToken);
                _tls = null;
                _mode = SmtpObservedSecurity.PlainOnly;
            }
            else
            {
                Stream encrypted;
                (encrypted, address, _tls, _mode) = EstablishTls(addresses, client.Timeout, cancellationToken);
                client.Connect(encrypted, _options.SmtpServer, _options.Port, SecureSocketOptions.None, cancellationToken);
            }

            ConnectionCount++;
            _tlsProtocol = _tls?.Protocol ?? TlsProtocolVersion.None;
            _cipherSuite = _tls?.CipherSuite;
            var tls = _tls != null ? $"{_tlsProtocol} {_cipherSuite}, certificate {_verdict?.Verdict ?? "none"}" : "NO encryption";
            _logger.Note($"Session ready: {tls}");
            _options.Activity?.Invoke($"Connected to {_options.SmtpServer} ({SmtpWireSession.Format(address, _options.Port)}), {SecurityName(_mode)}{(_options.Security == SmtpRequestedSecurity.Auto && _mode != SmtpObservedSecurity.PlainOnly ? " (found by behaviour)" : string.Empty)}: {tls}.");
            if (_verdict?.ValidationSkipped == true)
            {
                _options.Activity?.Invoke($"The certificate was NOT verified (-SkipCertificateCheck); the check would have said: {_verdict.Verdict}.");
            }

            if (_options.HasSecrets)
            {
                stage = SendStage.Authenticating;
                Authenticate(client, cancellationToken);
            }
        }

        /// <summary>
        /// Connects and brings TLS up ourselves with the shared conversation, before MailKit sees the connection: the
        /// mode found by behaviour under Auto (silent and answering a handshake: implicit TLS; greeting in clear:
        /// STARTTLS, required), or the one asked for, a contradiction failing at once. Doing the handshake here rather
        /// than in MailKit lets every connection verify the certificate its own port presents: MailKit's netstandard2.0
        /// build cannot turn off TLS session resumption, and a session resumed from another port of the same host name
        /// would skip this port's certificate.
        /// </summary>
        private (Stream Stream, IPAddress Address, TlsInspection Tls, SmtpObservedSecurity Mode) EstablishTls(IReadOnlyList<IPAddress> addresses, int timeoutMs, CancellationToken cancellationToken)
        {
            var plan = new SmtpConversationPlan
            {
                TargetHost = _options.SmtpServer,
                Port = _options.Port,
                Requested = _options.Security,
                RequireTls = true,
                Timeout = _options.Timeout,
                HeloName = _options.HeloName,
                CertificatePolicy = _options.CertificatePolicy,
                EnforceCertificate = true,
                Protocols = ToSslProtocols(_options.MinimumTlsVersion),
                End = ConversationEnd.TlsReady,
                Transcript = _logger.Wire,
            };
            var conversation = SmtpConversation.RunAsync(_options.SmtpServer, addresses, plan, throwOnFailure: false, cancellationToken).GetAwaiter().GetResult();
            var facts = conversation.Facts;
            _verdict = facts.Tls?.Certificate;
            if (facts.FailureKind != SmtpFailureKind.None)
            {
                conversation.Dispose();
                throw Refusal(facts);
            }

            var session = conversation.Session!;
            session.ContinueSynchronously(); // MailKit's sends block on each reply: a socket off the runtime's socket engine costs a fraction of the CPU
            session.Socket.ReceiveTimeout = session.Socket.SendTimeout = timeoutMs;
            _logger.TlsEstablishedBeforeHandOff(greetingReplayed: true);
            _watchdog.Watch(session.Socket); // from here MailKit talks, and the watchdog bounds it
            var stream = new GreetingReplayStream(Encoding.UTF8.GetBytes(facts.Greeting!.ToWire()), session.Stream);
            return (stream, session.RemoteAddress, facts.Tls!, facts.Observed);
        }

        // What stopped the conversation, as the send path reports it: nothing was sent, and what to do about it.
        private Exception Refusal(SmtpEndpointFacts facts)
        {
            var cause = facts.Cause;
            if (facts.FailureKind == SmtpFailureKind.NotSmtp && facts.FailureStep == ConversationStep.GreetingInsideTls && cause?.InnerException is Protocol.SmtpProtocolException)
            {
                // The handshake worked, then garbage or an empty line instead of the greeting: a broken SMTP server, and
                // broken the same way on the next connection, so not retried.
                return new SmtpConnectionException(
                    SmtpFailureKind.ProtocolError,
                    $"{_endpoint}: {facts.ErrorMessage} Nothing was sent, and it was not retried, because the server would answer the same way. Check the port (465 speaks implicit TLS, 587 STARTTLS) or ask the server's administrator.",
                    cause);
            }

            var broken = facts.FailureKind == SmtpFailureKind.TimedOut || facts.FailureKind == SmtpFailureKind.ConnectionClosed || facts.FailureKind == SmtpFailureKind.ProtocolError || facts.FailureKind == SmtpFailureKind.NotSmtp;
            if (broken && cause?.InnerException is Exception raw && IsWireBreak(raw))
            {
                // A broken or garbled connection (timeout, reset, not SMTP) is classified as MailKit's would be, and
                // retried like one: the next connection may well work.
                return raw;
            }

            switch (facts.FailureKind)
            {
                case SmtpFailureKind.CertificateRejected when cause?.InnerException is CertificateRejectedException rejected:
                    _verdict = rejected.Certificate;
                    return SendFailure.CertificateRejected(_endpoint, rejected.Certificate, cause).ToException();
                case SmtpFailureKind.TlsHandshakeFailed when facts.FailureStep == ConversationStep.Handshake:
                    return SendFailure.HandshakeFailed(_endpoint, cause?.InnerException ?? cause ?? facts.ToException()).ToException();
                case SmtpFailureKind.StartTlsNotOffered:
                    return SendFailure.StartTlsNotOffered(_endpoint, facts.ToException()).ToException();
                case SmtpFailureKind.SecurityMismatch:
                    return new SmtpConnectionException(facts.FailureKind, facts.ErrorMessage + " Nothing was sent.", cause);
                case SmtpFailureKind.ConnectionRefused:
                case SmtpFailureKind.TimedOut when facts.FailureStep == ConversationStep.Connect:
                    return cause as SmtpConnectionException ?? facts.ToException();
                default:
                    // Kind and reply code stay, so a 421 greeting or a 454 to STARTTLS is retried like any 4xx.
                    return new SmtpConnectionException(facts.FailureKind, $"{_endpoint}: {facts.ErrorMessage} Nothing was sent. {SendFailure.Advice(SendFailure.IsTransientReply(facts.ReplyCode))}", cause, facts.ReplyCode);
            }
        }

        private static bool IsWireBreak(Exception e) =>
            e is Protocol.SmtpProtocolException || e is TimeoutException || e is IOException || e is ObjectDisposedException || e is SocketException;

        private void Authenticate(EnvelopeSmtpClient client, CancellationToken cancellationToken)
        {
            // Validate() refused -Security None with secrets; this guards every other way to end up in clear text.
            if (_tls == null)
            {
                throw new SmtpConnectionException(SmtpFailureKind.EncryptionRequired, $"The connection to {_endpoint} is not encrypted, so the credentials were not sent.");
            }

            if (_options.Credential != null)
            {
                client.Authenticate(_options.Credential, cancellationToken);
                _authenticatedAs = _options.Credential.UserName;
            }
            else
            {
                AuthenticateWithToken(client, cancellationToken);
            }

            _options.Activity?.Invoke($"Authenticated as {_authenticatedAs} with {_logger.LastAuthMechanism ?? "SASL"}.");
        }

        // XOAUTH2 (Microsoft, Google) or OAUTHBEARER (RFC 7628) with the token source's current token; a refused token
        // that can be renewed is renewed and tried once more, then the refusal is explained from the token's claims.
        private void AuthenticateWithToken(EnvelopeSmtpClient client, CancellationToken cancellationToken)
        {
            var user = _options.AccessTokenUser ?? _currentSender ?? string.Empty;
            var source = _options.TokenSource ?? new Authentication.SmtpTokenSource(Authentication.SmtpTokenAcquirer.FromSupplied(_options.AccessToken!));
            var token = source.ForAuthentication(cancellationToken);
            var xoauth2 = client.AuthenticationMechanisms.Contains("XOAUTH2");
            if (!xoauth2 && !client.AuthenticationMechanisms.Contains("OAUTHBEARER"))
            {
                var offered = client.AuthenticationMechanisms.Count > 0 ? string.Join(" ", client.AuthenticationMechanisms) : "none";
                throw new SmtpConnectionException(SmtpFailureKind.ExtensionNotSupported, $"{_endpoint} offers no OAuth mechanism (XOAUTH2 or OAUTHBEARER; it offers: {offered}), so the token was not sent. Use -Credential with this server.");
            }

            for (var renewed = false; ; renewed = true)
            {
                var text = Authentication.SmtpTokenSource.Reveal(token);
                KnowSecret(SecretScrubber.ForToken(user, text));
                try
                {
                    client.Authenticate(xoauth2 ? new SaslMechanismOAuth2(user, text) : (SaslMechanism)new SaslMechanismOAuthBearer(user, text), cancellationToken);
                    _authenticatedToken = token;
                    _authenticatedAs = user;
                    return;
                }
                catch (MailKit.Security.AuthenticationException e)
                {
                    var fresh = renewed ? null : source.RenewAfterRefusal(token, cancellationToken);
                    if (fresh != null && !ReferenceEquals(fresh, token))
                    {
                        _options.Activity?.Invoke($"{_endpoint} refused the access token; trying once more with a renewed one.");
                        token = fresh;
                        continue;
                    }

                    var reply = _scrubber.Scrub(e.Message);
                    var code = SendFailure.LeadingCode(reply);
                    var why = Authentication.TokenDiagnosis.Explain(token, user, reply, DateTimeOffset.UtcNow);
                    throw new SmtpConnectionException(SmtpFailureKind.AuthenticationFailed, $"{_endpoint} refused the access token for {user}: {reply}. {why}".TrimEnd(), e, code);
                }
            }
        }

        private void KnowSecret(SecretScrubber secret)
        {
            _scrubber = _scrubber.And(secret);
            _logger.SetSecrets(_scrubber.Forms);
        }

        private void Drop()
        {
            _watchdog.Forget(); // the next connection's own steps are bounded by the wire session until MailKit takes over
            var client = _client;
            _client = null;
            if (client == null)
            {
                return;
            }

            try
            {
                if (client.IsConnected)
                {
                    client.Disconnect(false);
                }
            }
            catch (Exception e) when (e is System.IO.IOException || e is System.Net.Sockets.SocketException || e is ObjectDisposedException || e is MailKit.Net.Smtp.SmtpProtocolException)
            {
                // Already gone.
            }

            client.Dispose();
        }

        private static FormatOptions InternationalFormat()
        {
            var format = FormatOptions.Default.Clone();
            format.International = true;
            return format;
        }

        private static DeliveryStatusNotification? ToNotify(DeliveryNotificationOptions options)
        {
            if (options == DeliveryNotificationOptions.None)
            {
                return null;
            }

            if ((options & DeliveryNotificationOptions.Never) != 0)
            {
                return DeliveryStatusNotification.Never;
            }

            var notify = default(DeliveryStatusNotification);
            if ((options & DeliveryNotificationOptions.OnSuccess) != 0)
            {
                notify |= DeliveryStatusNotification.Success;
            }

            if ((options & DeliveryNotificationOptions.OnFailure) != 0)
            {
                notify |= DeliveryStatusNotification.Failure;
            }

            if ((options & DeliveryNotificationOptions.Delay) != 0)
            {
                notify |= DeliveryStatusNotification.Delay;
            }

            return notify;
        }

        private static string SecurityName(SmtpObservedSecurity mode) =>
            mode == SmtpObservedSecurity.ImplicitTls ? "implicit TLS" : mode == SmtpObservedSecurity.StartTls ? "STARTTLS" : "no encryption";

        // SslProtocols.Tls13 (12288) has no name in netstandard2.0.
        internal static SslProtocols ToSslProtocols(TlsProtocolVersion minimum)
        {
            var tls13 = (SslProtocols)12288;
            switch (minimum)
            {
                case TlsProtocolVersion.Tls13: return tls13;
                case TlsProtocolVersion.Tls12: return SslProtocols.Tls12 | tls13;
                case TlsProtocolVersion.Tls11: return SslProtocols.Tls11 | SslProtocols.Tls12 | tls13;
                default:
#pragma warning disable CS0618 // TLS 1.0 only when the user lowered the minimum explicitly.
                    return SslProtocols.Tls | SslProtocols.Tls11 | SslProtocols.Tls12 | tls13;
#pragma warning restore CS0618
            }
        }

        // Every form the credential or token travels in, for the transcript and for whatever the server says back.
        private static SecretScrubber ScrubberFor(SmtpSendOptions options)
        {
            var scrubber = SecretScrubber.ForPassword(options.Credential?.UserName, options.Credential?.Password);
            if (options.AccessToken != null && options.AccessToken.Length > 0)
            {
                scrubber = scrubber.And(SecretScrubber.ForToken(options.AccessTokenUser, new NetworkCredential(string.Empty, options.AccessToken).Password));
            }

            return scrubber;
        }
    }
}
