using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// The one SMTP conversation every cmdlet holds with an endpoint (the shape of MailKit's PostConnect): connect,
    /// greeting or silence (<see cref="ISecurityDetection"/>, a late greeter included), greeting, EHLO, STARTTLS,
    /// handshake, EHLO again, the caller's AUTH hook, QUIT, each step bounded by the plan's timeout. It ends where the
    /// plan says (after QUIT, with TLS ready for the caller, or just before the handshake) and leaves
    /// <see cref="Facts"/>; a failure is recorded there or thrown, as the caller chooses.
    /// </summary>
    internal sealed class SmtpConversation : IDisposable
    {
        private readonly SmtpConversationPlan _plan;
        private readonly SmtpEndpointFacts.Builder _facts;
        private SmtpWireSession? _session;

        // The first connection, silent so far, kept while the handshake on a second one is still unanswered: a late
        // greeter greets it in its own time instead of a third connection (closed once the silence is explained).
        private SmtpWireSession? _stillWaiting;
        private Stopwatch _sinceConnect = new Stopwatch();

        // The least time worth a clear-text question to a silent port (a connection, EHLO and its reply).
        private static readonly TimeSpan LeastExplanationTime = TimeSpan.FromMilliseconds(50);
        private ConversationStep _step;

        private SmtpConversation(string computerName, SmtpConversationPlan plan)
        {
            _plan = plan;
            _facts = new SmtpEndpointFacts.Builder { ComputerName = computerName, Port = plan.Port, Requested = plan.Requested };
            Facts = _facts.Build();
        }

        public SmtpConversationPlan Plan => _plan;

        /// <summary>The open connection once the conversation stopped at <see cref="ConversationEnd.TlsReady"/> or <see cref="ConversationEnd.BeforeHandshake"/>; null after QUIT or a failure.</summary>
        public SmtpWireSession? Session => _session;

        /// <summary>What the conversation saw; final once <see cref="RunAsync"/> returned, a snapshot while the AUTH hook runs.</summary>
        public SmtpEndpointFacts Facts { get; private set; }

        /// <summary>Holds the conversation with <paramref name="computerName"/>, trying <paramref name="addresses"/> in order.</summary>
        /// <param name="throwOnFailure">Throw the failure (sending) instead of recording it in <see cref="Facts"/> (probe, audit).</param>
        /// <exception cref="SmtpConnectionException">Only with <paramref name="throwOnFailure"/>: the failure, with its kind and reply code.</exception>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public static async Task<SmtpConversation> RunAsync(string computerName, IReadOnlyList<IPAddress> addresses, SmtpConversationPlan plan, bool throwOnFailure, CancellationToken cancellationToken)
        {
            var conversation = new SmtpConversation(computerName, plan);
            try
            {
                await conversation.ConverseAsync(addresses, cancellationToken).ConfigureAwait(false);
                if (plan.End == ConversationEnd.Quit)
                {
                    conversation.CloseSession();
                }
            }
            catch (SmtpConnectionException e)
            {
                conversation.Record(e.Kind, e.Message, e.ReplyCode, e);
                conversation.End();
                if (throwOnFailure)
                {
                    throw;
                }
            }
            catch (Exception e) when (IsBreak(e))
            {
                var failure = conversation.Broke(e);
                conversation.End();
                if (throwOnFailure)
                {
                    throw failure;
                }
            }
            catch
            {
                conversation.CloseSession();
                throw;
            }

            conversation.Facts = conversation._facts.Build();
            return conversation;
        }

        public void Dispose() => CloseSession();

        private void End()
        {
            CloseSession();
            Facts = _facts.Build();
        }

        private static bool IsBreak(Exception e) =>
            e is TimeoutException || e is EndOfStreamException || e is IOException || e is SmtpProtocolException || e is ObjectDisposedException || e is SocketException;

        private string Endpoint => _facts.ComputerName + ":" + _plan.Port.ToString(CultureInfo.InvariantCulture);

        private string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

        private async Task ConverseAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken)
        {
            await ConnectAsync(addresses, cancellationToken).ConfigureAwait(false);
            if (_plan.Requested == SmtpRequestedSecurity.ImplicitTls)
            {
                if (_plan.End != ConversationEnd.BeforeHandshake)
                {
                    await ImplicitTlsAsync(_plan.Timeout, silent: false, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            _step = ConversationStep.Greeting;
            var sinceConnect = _sinceConnect;
            DetectedGreeting detected;
            try
            {
                detected = await _plan.Detection.DetectAsync(_session!, _plan, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw Fail(SmtpFailureKind.TimedOut, _plan.Requested == SmtpRequestedSecurity.Auto
                    ? $"The server began to answer but sent no complete line within {Seconds(_plan.Timeout)} s."
                    : $"No SMTP greeting from {Endpoint} within {Seconds(_plan.Timeout)} s, and no TLS handshake either.", 0, e);
            }
            catch (SmtpProtocolException e)
            {
                throw Fail(SmtpFailureKind.NotSmtp, $"Something answered on port {_plan.Port}, but not SMTP: \"{e.Received}\".", 0, e);
            }
            catch (EndOfStreamException e)
            {
                throw Fail(SmtpFailureKind.ConnectionClosed, "The port accepted the connection and closed it without a greeting.", 0, e);
            }

            if (detected.AnsweredTlsElsewhere)
            {
                _facts.Observed = SmtpObservedSecurity.ImplicitTls;
                throw Fail(SmtpFailureKind.SecurityMismatch, $"{Endpoint} does not greet in clear but answers a TLS handshake: it speaks implicit TLS, not {Name(_plan.Requested)}. Use -Security ImplicitTls, or Auto, which finds the mode by itself.");
            }

            if (detected.Greeting != null)
            {
                _facts.GreetingTime = sinceConnect.Elapsed;
                if (detected.Late)
                {
                    _facts.LateGreeting = sinceConnect.Elapsed;
                }

                await PlaintextAsync(detected.Greeting, cancellationToken).ConfigureAwait(false);
                return;
            }

            await ImplicitTlsAsync(_plan.Detection.HandshakeBudget(_plan), silent: true, cancellationToken, detected.TlsElsewhere).ConfigureAwait(false);
        }

        private async Task ConnectAsync(IReadOnlyList<IPAddress> addresses, CancellationToken cancellationToken)
        {
            _step = ConversationStep.Connect;
            CloseSession();
            _session = await SmtpWireSession.ConnectAsync(addresses, _plan.Port, _plan.Timeout, _plan.Transcript, cancellationToken).ConfigureAwait(false);
            _session.Answered = _plan.Answered;
            _plan.Connected?.Invoke();
            _sinceConnect = Stopwatch.StartNew();
            _facts.RemoteAddress = _session.RemoteAddress;
            _facts.ConnectTime = _session.ConnectTime;
        }

        private async Task PlaintextAsync(SmtpReply greeting, CancellationToken cancellationToken)
        {
            var session = _session!;
            _facts.Greeting = greeting;
            await RequireServiceReadyAsync(greeting, cancellationToken).ConfigureAwait(false);

            _facts.Observed = SmtpObservedSecurity.PlainOnly;
            _step = ConversationStep.Ehlo;
            var ehlo = await session.CommandAsync("EHLO " + _plan.HeloName, _plan.Timeout, cancellationToken).ConfigureAwait(false);
            if (ehlo.Code == SmtpReplyCode.Completed)
            {
                _facts.ExtensionsBeforeTls = SmtpExtensions.Parse(ehlo.Lines);
            }
            else
            {
                _facts.RefusedEhlo = ehlo;
            }

            if (_facts.ExtensionsBeforeTls?.StartTls != true)
            {
                if (_plan.Requested == SmtpRequestedSecurity.StartTls || _plan.RequireTls)
                {
                    await FinishAsync(cancellationToken).ConfigureAwait(false);
                    throw Fail(SmtpFailureKind.StartTlsNotOffered, ehlo.Code == SmtpReplyCode.Completed
                        ? "The server does not offer STARTTLS: it has no TLS on this port."
                        : $"The server refused EHLO ({ehlo.Text}), so it has no extensions and no STARTTLS.", ehlo.Code);
                }

                await FinishAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            _facts.Observed = SmtpObservedSecurity.StartTls;
            if (_plan.Requested == SmtpRequestedSecurity.None)
            {
                await FinishAsync(cancellationToken).ConfigureAwait(false);
                return;
            }

            _step = ConversationStep.StartTls;
            var ready = await session.CommandAsync("STARTTLS", _plan.Timeout, cancellationToken).ConfigureAwait(false);
            if (ready.Code != SmtpReplyCode.ServiceReady)
            {
                await FinishAsync(cancellationToken).ConfigureAwait(false);
                throw Fail(SmtpFailureKind.StartTlsRefused, $"The server offered STARTTLS but answered \"{ready.Text}\".", ready.Code);
            }

            if (_plan.End == ConversationEnd.BeforeHandshake)
            {
                return;
            }

            await HandshakeAsync(_plan.Timeout, silent: false, cancellationToken).ConfigureAwait(false);
            await InsideTlsAsync(cancellationToken).ConfigureAwait(false);
        }

        // The handshake right after connecting, or the one the detection started on a second connection (elsewhere).
        private async Task ImplicitTlsAsync(TimeSpan budget, bool silent, CancellationToken cancellationToken, SecondConnectionHandshake? elsewhere = null)
        {
            using (var stopExplaining = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                Task<SilenceExplanation?>? explanation = null;
                try
                {
                    var handshake = HandshakeAsync(budget, silent, cancellationToken, elsewhere);
                    if (silent && _plan.ExplainSilence)
                    {
                        // Once the handshake has gone unanswered for a quarter of its budget, the clear-text question starts
                        // beside it on a second connection, so a silent port costs about one timeout in all.
                        var grace = TimeSpan.FromTicks(budget.Ticks / 4);
                        if (await Task.WhenAny(handshake, Task.Delay(grace, stopExplaining.Token)).ConfigureAwait(false) != handshake)
                        {
                            var wait = _plan.Detection.GreetingWait(_plan);
                            CloseStillWaiting(); // the clear-text question takes over from the first connection's wait
                            explanation = ExplainSilenceWithinAsync(budget - grace < wait ? budget - grace : wait, stopExplaining.Token);
                        }
                    }

                    try
                    {
                        await handshake.ConfigureAwait(false);
                    }
                    catch (SmtpConnectionException) when (_session != null && _session.AnsweredHandshakeInClearSmtp && _plan.Requested != SmtpRequestedSecurity.None)
                    {
                        await GreetedInClearAsync(cancellationToken).ConfigureAwait(false);
                        return;
                    }
                    catch (SmtpConnectionException) when (silent && _plan.ExplainSilence)
                    {
                        var found = await (explanation ?? ExplainSilenceWithinAsync(_plan.Detection.GreetingWait(_plan), cancellationToken)).ConfigureAwait(false);
                        _facts.Silence = found;
                        if (found?.NotSmtp != null)
                        {
                            throw Fail(SmtpFailureKind.NotSmtp, $"Something answered on port {_plan.Port}, but not SMTP: \"{found.NotSmtp}\".");
                        }

                        throw;
                    }
                }
                finally
                {
                    CloseStillWaiting();
                    if (explanation != null && !explanation.IsCompleted)
                    {
                        stopExplaining.Cancel();
                        try
                        {
                            await explanation.ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                        }
                    }
                }
            }

            var session = _session!;
            _step = ConversationStep.GreetingInsideTls;
            var sinceTls = Stopwatch.StartNew();
            SmtpReply greeting;
            try
            {
                greeting = await session.ReadReplyAsync(_plan.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpProtocolException e)
            {
                // Something came inside TLS, but not a reply (an empty line, garbage): the cause says what, for the send path.
                throw Fail(SmtpFailureKind.NotSmtp, $"TLS works on port {_plan.Port} but the server sent {(string.IsNullOrEmpty(e.Received) ? "an empty line" : "\"" + e.Received + "\"")} inside it instead of an SMTP greeting.", 0, e);
            }
            catch (Exception e) when (IsBreak(e))
            {
                throw Fail(SmtpFailureKind.NotSmtp, $"TLS works on port {_plan.Port} but no SMTP greeting came inside it (an HTTPS or other TLS service?).");
            }

            _facts.GreetingTime = sinceTls.Elapsed;
            _facts.Greeting = greeting;
            _facts.Observed = SmtpObservedSecurity.ImplicitTls;
            await RequireServiceReadyAsync(greeting, cancellationToken).ConfigureAwait(false);
            await InsideTlsAsync(cancellationToken).ConfigureAwait(false);
        }

        // The clear-text question about a silent port, asked for at most `wanted` and never past one -TimeoutSec from the
        // first connection: the handshake it explains ends then, and on a loaded machine the timers before it (the
        // greeting wait, the grace) fire late, which used to push a silent port's result 0.6-0.7 s past its timeout
        // (2.77 s with -TimeoutSec 2 in a 1,000-endpoint sweep). Not asked at all when less than a round trip's worth is left.
        private Task<SilenceExplanation?> ExplainSilenceWithinAsync(TimeSpan wanted, CancellationToken cancellationToken)
        {
            var left = _plan.Timeout - _sinceConnect.Elapsed;
            var within = left < wanted ? left : wanted;
            return within < LeastExplanationTime
                ? Task.FromResult<SilenceExplanation?>(null)
                : _plan.Detection.ExplainSilenceAsync(_facts.RemoteAddress!, _plan, within, cancellationToken);
        }

        // TLS is up and the greeting known: EHLO again (RFC 3207 4.2: forget what was said in clear), AUTH, QUIT.
        private async Task InsideTlsAsync(CancellationToken cancellationToken)
        {
            if (_plan.End == ConversationEnd.TlsReady)
            {
                return;
            }

            _step = ConversationStep.EhloAfterTls;
            var ehlo = await _session!.CommandAsync("EHLO " + _plan.HeloName, _plan.Timeout, cancellationToken).ConfigureAwait(false);
            if (ehlo.Code == SmtpReplyCode.Completed)
            {
                _facts.ExtensionsAfterTls = SmtpExtensions.Parse(ehlo.Lines);
            }

            await FinishAsync(cancellationToken).ConfigureAwait(false);
        }

        // The one place a greeting other than 220 ends the conversation (RFC 5321 3.1: 554 refuses, 421 is busy).
        private async Task RequireServiceReadyAsync(SmtpReply greeting, CancellationToken cancellationToken)
        {
            if (greeting.Code != SmtpReplyCode.ServiceReady)
            {
                await QuitQuietlyAsync(cancellationToken).ConfigureAwait(false);
                throw Fail(SmtpFailureKind.CommandRejected, $"The server greeted with \"{greeting.Text}\" instead of 220: it refuses sessions now.", greeting.Code);
            }
        }

        // Our ClientHello got an SMTP reply in clear: the port speaks plaintext SMTP and greeted later than the detection
        // waited (a greet pause, or load), or implicit TLS was asked of a STARTTLS port. The first connection, when the
        // handshake was tried on a second one, or else a fresh connection lets it greet in its own time; Auto goes on in
        // clear from there, an explicit ImplicitTls learns the mode to name it.
        private async Task GreetedInClearAsync(CancellationToken cancellationToken)
        {
            SmtpReply greeting;
            var sinceConnect = _sinceConnect;
            try
            {
                var first = _stillWaiting;
                if (first != null)
                {
                    _stillWaiting = null;
                    CloseSession();
                    _session = first;
                }
                else
                {
                    await ConnectAsync(new[] { _facts.RemoteAddress! }, cancellationToken).ConfigureAwait(false);
                    sinceConnect = _sinceConnect;
                }

                _step = ConversationStep.Greeting;
                greeting = await _session!.ReadReplyAsync(_plan.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsBreak(e) || e is SmtpConnectionException)
            {
                throw Fail(SmtpFailureKind.TlsHandshakeFailed, $"{Endpoint} answered the TLS handshake in clear SMTP, but a second connection got no greeting within {Seconds(_plan.Timeout)} s: {e.Message}");
            }

            _facts.Clear();
            _facts.GreetingTime = sinceConnect.Elapsed;
            if (_plan.Requested == SmtpRequestedSecurity.Auto)
            {
                _facts.LateGreeting = sinceConnect.Elapsed;
                await PlaintextAsync(greeting, cancellationToken).ConfigureAwait(false);
                return;
            }

            _facts.Greeting = greeting;
            _facts.Observed = SmtpObservedSecurity.PlainOnly;
            _step = ConversationStep.Ehlo;
            var ehlo = await _session.CommandAsync("EHLO " + _plan.HeloName, _plan.Timeout, cancellationToken).ConfigureAwait(false);
            _facts.ExtensionsBeforeTls = ehlo.Code == SmtpReplyCode.Completed ? SmtpExtensions.Parse(ehlo.Lines) : null;
            await QuitQuietlyAsync(cancellationToken).ConfigureAwait(false);

            if (_facts.ExtensionsBeforeTls?.StartTls == true)
            {
                _facts.Observed = SmtpObservedSecurity.StartTls;
                throw Fail(SmtpFailureKind.SecurityMismatch, $"{Endpoint} greets in clear and offers STARTTLS: it speaks STARTTLS, not implicit TLS. Use -Security StartTls, or Auto, which finds the mode by itself.");
            }

            throw Fail(SmtpFailureKind.SecurityMismatch, $"{Endpoint} greets in clear and offers no TLS at all: it speaks plaintext SMTP, not implicit TLS, so nothing can be sent to it encrypted. Use a port of this server that offers TLS (465 or 587).");
        }

        private async Task HandshakeAsync(TimeSpan timeout, bool silent, CancellationToken cancellationToken, SecondConnectionHandshake? elsewhere = null)
        {
            _step = ConversationStep.Handshake;
            try
            {
                if (elsewhere == null)
                {
                    _facts.Tls = await _session!.UpgradeToTlsAsync(_plan.TargetHost, _plan.CertificatePolicy, reportOnly: !_plan.EnforceCertificate, _plan.Protocols, timeout, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    // The first connection stayed silent for the whole greeting wait; it waits on (it has sent nothing)
                    // until the handshake on the second one is answered, and is closed then.
                    _stillWaiting = _session;
                    _session = null;
                    try
                    {
                        _facts.Tls = await elsewhere.Handshake.ConfigureAwait(false);
                        CloseStillWaiting();
                    }
                    finally
                    {
                        _session = elsewhere.TakeSession();
                        elsewhere.Dispose();
                    }
                }
            }
            catch (TimeoutException e)
            {
                throw Fail(SmtpFailureKind.TimedOut, silent
                    ? $"The port accepted the connection but answered neither in clear nor to a TLS handshake within {Seconds(_plan.Timeout)} s."
                    : $"The TLS handshake did not finish within {Seconds(timeout)} s.", 0, e);
            }
            catch (ObjectDisposedException e)
            {
                throw Fail(SmtpFailureKind.TlsHandshakeFailed, "The TLS handshake failed: " + e.Message, 0, e);
            }
        }

        private async Task FinishAsync(CancellationToken cancellationToken)
        {
            if (_plan.End != ConversationEnd.Quit)
            {
                return;
            }

            if (_plan.Authenticate != null)
            {
                _step = ConversationStep.Authenticate;
                Facts = _facts.Build();
                await _plan.Authenticate(this, cancellationToken).ConfigureAwait(false);
            }

            await QuitQuietlyAsync(cancellationToken).ConfigureAwait(false);
        }

        private async Task QuitQuietlyAsync(CancellationToken cancellationToken)
        {
            if (_plan.End != ConversationEnd.Quit || _session == null)
            {
                return;
            }

            try
            {
                await _session.CommandAsync("QUIT", _plan.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsBreak(e))
            {
                // Everything worth knowing is known; a server that hangs up on QUIT changes nothing.
            }
        }

        private SmtpConnectionException Fail(SmtpFailureKind kind, string message, int replyCode = 0, Exception? inner = null)
        {
            var failure = new SmtpConnectionException(kind, message, inner, replyCode);
            Record(kind, message, replyCode, failure);
            return failure;
        }

        private void Record(SmtpFailureKind kind, string message, int replyCode, SmtpConnectionException cause)
        {
            if (_facts.FailureKind != SmtpFailureKind.None)
            {
                return; // the first failure is the story
            }

            _facts.FailureKind = kind;
            _facts.FailureStep = _step;
            _facts.ErrorMessage = message;
            _facts.ReplyCode = replyCode;
            _facts.Cause = cause;
        }

        // A command's connection broke (timeout, reset, garbage): the kind says which, the message names the command.
        private SmtpConnectionException Broke(Exception e)
        {
            var command = _step == ConversationStep.EhloAfterTls ? "EHLO" : _step == ConversationStep.Authenticate ? "AUTH" : _step == ConversationStep.GreetingInsideTls ? "the greeting" : _step.ToString().ToUpperInvariant();
            var kind = e is TimeoutException ? SmtpFailureKind.TimedOut : e is SmtpProtocolException ? SmtpFailureKind.ProtocolError : SmtpFailureKind.ConnectionClosed;
            var message = e is TimeoutException
                ? $"No answer to {command} within {Seconds(_plan.Timeout)} s."
                : $"The session broke off at {command}: {e.Message}";
            return Fail(kind, message, 0, e);
        }

        private void CloseSession()
        {
            _session?.Dispose();
            _session = null;
            CloseStillWaiting();
        }

        private void CloseStillWaiting()
        {
            _stillWaiting?.Dispose();
            _stillWaiting = null;
        }

        private static string Name(SmtpRequestedSecurity security) =>
            security == SmtpRequestedSecurity.StartTls ? "STARTTLS" : security == SmtpRequestedSecurity.None ? "plaintext SMTP" : security.ToString();
    }
}
