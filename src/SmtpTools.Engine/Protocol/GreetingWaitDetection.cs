using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// The detection by racing: a server that talks first speaks plaintext SMTP; one that stays silent is waiting for a
    /// ClientHello. Asked for Auto, it gives the port a head start of a round trip or two to greet (real servers greet
    /// within one), then starts a TLS handshake on a second connection beside the first one's wait: an implicit-TLS
    /// port is found in about one handshake, and the first connection is closed without a byte sent. A port that greets
    /// meanwhile is plaintext SMTP, and the second connection is closed. The greeting wait still decides as before: a
    /// port silent on both connections for that long is treated as implicit TLS (the second connection's handshake goes
    /// on, the first is closed), and a late greeter answers our ClientHello in clear. The second connection never sends
    /// anything to a port that greeted within the head start, so ordinary SMTP servers see one connection and no
    /// pre-greeting data. Asked for a clear greeting (-Security StartTls or None), it waits the whole timeout, but a
    /// port still silent after <see cref="SuspicionDelay"/> gets a TLS handshake on a second connection, so an
    /// implicit-TLS port is told apart in a fraction of a second instead of timing out.
    /// </summary>
    internal sealed class GreetingWaitDetection : ISecurityDetection
    {
        public static readonly GreetingWaitDetection Instance = new GreetingWaitDetection();

        /// <summary>Real servers greet within milliseconds; after this long a silence is worth a second look.</summary>
        internal static readonly TimeSpan SuspicionDelay = TimeSpan.FromMilliseconds(250);

        /// <summary>The least head start a port gets to greet before the handshake beside it starts, plus two connect times.</summary>
        internal static readonly TimeSpan MinimumHeadStart = TimeSpan.FromMilliseconds(50);

        /// <summary>How long a port may stay silent before the TLS handshake beside it starts: 50 ms plus two round trips (the connect time), at most the greeting wait.</summary>
        internal static TimeSpan HeadStart(TimeSpan connectTime, TimeSpan greetingWait)
        {
            var head = MinimumHeadStart + TimeSpan.FromTicks(connectTime.Ticks * 2);
            return head < greetingWait ? head : greetingWait;
        }

        /// <inheritdoc />
        public TimeSpan GreetingWait(SmtpConversationPlan plan) => GreetingWaitOf(plan);

        private static TimeSpan GreetingWaitOf(SmtpConversationPlan plan)
        {
            var half = TimeSpan.FromTicks(plan.Timeout.Ticks / 2);
            return plan.GreetingWait < half ? plan.GreetingWait : half;
        }

        /// <inheritdoc />
        public TimeSpan HandshakeBudget(SmtpConversationPlan plan) => plan.Timeout - GreetingWait(plan);

        /// <inheritdoc />
        public async Task<DetectedGreeting> DetectAsync(SmtpWireSession session, SmtpConversationPlan plan, CancellationToken cancellationToken)
        {
            if (plan.Requested == SmtpRequestedSecurity.Auto)
            {
                return await RaceAsync(session, plan, cancellationToken).ConfigureAwait(false);
            }

            // A clear greeting was asked for: wait for it, and look beside for the mistake of an implicit-TLS port.
            var suspicion = SuspicionDelay < plan.Timeout ? SuspicionDelay : plan.Timeout;
            if (!await session.WaitForDataAsync(suspicion, cancellationToken).ConfigureAwait(false))
            {
                using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    var data = session.WaitForDataAsync(plan.Timeout - suspicion, stop.Token);
                    var tls = AnswersTlsHandshakeAsync(session.RemoteAddress, plan, stop.Token);
                    var first = await Task.WhenAny(data, tls).ConfigureAwait(false);
                    if (first == tls && await IsTrue(tls).ConfigureAwait(false))
                    {
                        stop.Cancel();
                        await Quietly(data).ConfigureAwait(false);
                        return DetectedGreeting.ImplicitTlsElsewhere;
                    }

                    var spoke = await data.ConfigureAwait(false);
                    stop.Cancel();
                    await Quietly(tls).ConfigureAwait(false);
                    if (!spoke)
                    {
                        throw new TimeoutException($"No SMTP greeting within {plan.Timeout.TotalSeconds:0.#} s.");
                    }
                }
            }

            return new DetectedGreeting(await session.ReadReplyAsync(plan.Timeout, cancellationToken).ConfigureAwait(false), false);
        }

        // Auto: the first connection waits for a greeting; past the head start, a TLS handshake on a second one races it.
        private static async Task<DetectedGreeting> RaceAsync(SmtpWireSession session, SmtpConversationPlan plan, CancellationToken cancellationToken)
        {
            var sinceConnect = Stopwatch.StartNew();
            var wait = GreetingWaitOf(plan);
            var head = HeadStart(session.ConnectTime, wait);
            if (await session.WaitForDataAsync(head, cancellationToken).ConfigureAwait(false))
            {
                // Within the head start, as a rule. On a machine so loaded that the head start's timer ran late, a
                // greeting found here can be past the greeting wait already: the clock, not the branch, says it was late.
                var lateAlready = sinceConnect.Elapsed > wait;
                return new DetectedGreeting(await session.ReadReplyAsync(plan.Timeout, cancellationToken).ConfigureAwait(false), false, lateAlready);
            }

            plan.Transcript?.Invoke($"=== No greeting within {head.TotalMilliseconds:0} ms: a TLS handshake starts on a second connection while this one waits");
            var elsewhere = SecondConnectionHandshake.Start(session.RemoteAddress, plan, plan.Timeout - head, cancellationToken);
            var kept = false;
            try
            {
                using (var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    var data = session.WaitForDataAsync(plan.Timeout - head, stopWaiting.Token);
                    var deadline = Task.Delay(wait - head, stopWaiting.Token);
                    var racing = true;     // the second connection's handshake is still in the race
                    var bounded = true;    // the greeting wait still bounds the first connection's wait
                    while (true)
                    {
                        var contenders = new List<Task> { data };
                        if (bounded)
                        {
                            contenders.Add(deadline);
                        }

                        if (racing)
                        {
                            contenders.Add(elsewhere.Handshake);
                        }

                        var first = await Task.WhenAny(contenders).ConfigureAwait(false);
                        if (first == data)
                        {
                            if (!await data.ConfigureAwait(false))
                            {
                                throw new TimeoutException($"The server answered a second connection in clear SMTP but sent no greeting on the first within {plan.Timeout.TotalSeconds:0.#} s.");
                            }

                            stopWaiting.Cancel();
                            if (racing)
                            {
                                plan.Transcript?.Invoke("=== Greeted in clear: the second connection is closed");
                            }

                            elsewhere.Dispose();
                            var late = sinceConnect.Elapsed > wait;
                            return new DetectedGreeting(await session.ReadReplyAsync(plan.Timeout, cancellationToken).ConfigureAwait(false), false, late);
                        }

                        if (first == deadline)
                        {
                            // Silent for the whole greeting wait, as the detection by waiting alone would have seen it.
                            stopWaiting.Cancel();
                            if (!racing)
                            {
                                return DetectedGreeting.Silent;
                            }

                            kept = true;
                            return new DetectedGreeting(null, false, tlsElsewhere: elsewhere);
                        }

                        // The second connection's handshake ended first.
                        racing = false;
                        if (elsewhere.AnsweredInClearSmtp)
                        {
                            // A plaintext server slower than the head start: let it greet the first connection in its own time.
                            plan.Transcript?.Invoke("=== The second connection got SMTP in clear back: a plaintext server greeting late; waiting for its greeting");
                            elsewhere.Dispose();
                            bounded = false;
                            continue;
                        }

                        if (elsewhere.LearntNothing)
                        {
                            elsewhere.Dispose(); // refused or closed without a word: the first connection decides alone
                            continue;
                        }

                        stopWaiting.Cancel(); // TLS answered (or something that is not SMTP did): the port does not greet in clear
                        kept = true;
                        return new DetectedGreeting(null, false, tlsElsewhere: elsewhere);
                    }
                }
            }
            finally
            {
                if (!kept)
                {
                    elsewhere.Dispose();
                }
            }
        }

        /// <inheritdoc />
        public async Task<SilenceExplanation?> ExplainSilenceAsync(IPAddress address, SmtpConversationPlan plan, TimeSpan replyWait, CancellationToken cancellationToken)
        {
            // replyWait bounds the whole question (connect, EHLO, reply), not only the reply.
            var asked = Stopwatch.StartNew();
            TimeSpan Left()
            {
                var left = replyWait - asked.Elapsed;
                return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
            }

            try
            {
                using (var session = await SmtpWireSession.ConnectAsync(new[] { address }, plan.Port, replyWait, plan.Transcript, cancellationToken).ConfigureAwait(false))
                {
                    await session.SendRawAsync(Encoding.ASCII.GetBytes("EHLO " + plan.HeloName + "\r\n"), Left(), cancellationToken).ConfigureAwait(false);
                    return new SilenceExplanation(await session.ReadReplyAsync(Left(), cancellationToken).ConfigureAwait(false), null);
                }
            }
            catch (SmtpProtocolException e)
            {
                return new SilenceExplanation(null, e.Received);
            }
            catch (Exception e) when (e is TimeoutException || e is EndOfStreamException || e is IOException || e is SocketException || e is ObjectDisposedException || e is SmtpConnectionException)
            {
                return null; // still silent, or gone
            }
        }

        // A second connection that only checks whether the port completes a TLS handshake; the verdict on the
        // certificate does not matter here, the conversation proper judges it if it gets that far.
        private static async Task<bool> AnswersTlsHandshakeAsync(IPAddress address, SmtpConversationPlan plan, CancellationToken cancellationToken)
        {
            try
            {
                using (var session = await SmtpWireSession.ConnectAsync(new[] { address }, plan.Port, plan.Timeout, null, cancellationToken).ConfigureAwait(false))
                {
                    await session.UpgradeToTlsAsync(plan.TargetHost, plan.CertificatePolicy, reportOnly: true, SslProtocols.None, plan.Timeout, cancellationToken).ConfigureAwait(false);
                    return true;
                }
            }
            catch (Exception e) when (e is TimeoutException || e is IOException || e is SocketException || e is ObjectDisposedException || e is SmtpConnectionException || e is OperationCanceledException)
            {
                return false;
            }
        }

        private static async Task<bool> IsTrue(Task<bool> task)
        {
            try
            {
                return await task.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        private static async Task Quietly(Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException || e is IOException || e is SocketException || e is ObjectDisposedException)
            {
            }
        }
    }
}
