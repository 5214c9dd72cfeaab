using System;
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
    /// The detection by waiting: a server that talks within the greeting wait speaks plaintext SMTP; one that stays
    /// silent is waiting for a ClientHello. Asked for a clear greeting (-Security StartTls or None), it waits the whole
    /// timeout, but a port still silent after <see cref="SuspicionDelay"/> gets a TLS handshake on a second connection,
    /// so an implicit-TLS port is told apart in a fraction of a second instead of timing out.
    /// </summary>
    internal sealed class GreetingWaitDetection : ISecurityDetection
    {
        public static readonly GreetingWaitDetection Instance = new GreetingWaitDetection();

        /// <summary>Real servers greet within milliseconds; after this long a silence is worth a second look.</summary>
        internal static readonly TimeSpan SuspicionDelay = TimeSpan.FromMilliseconds(250);

        /// <inheritdoc />
        public TimeSpan GreetingWait(SmtpConversationPlan plan)
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
                return await session.WaitForDataAsync(GreetingWait(plan), cancellationToken).ConfigureAwait(false)
                    ? new DetectedGreeting(await session.ReadReplyAsync(plan.Timeout, cancellationToken).ConfigureAwait(false), false)
                    : DetectedGreeting.Silent;
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

        /// <inheritdoc />
        public async Task<SilenceExplanation?> ExplainSilenceAsync(IPAddress address, SmtpConversationPlan plan, TimeSpan replyWait, CancellationToken cancellationToken)
        {
            try
            {
                using (var session = await SmtpWireSession.ConnectAsync(new[] { address }, plan.Port, plan.Timeout, plan.Transcript, cancellationToken).ConfigureAwait(false))
                {
                    await session.SendRawAsync(Encoding.ASCII.GetBytes("EHLO " + plan.HeloName + "\r\n"), plan.Timeout, cancellationToken).ConfigureAwait(false);
                    return new SilenceExplanation(await session.ReadReplyAsync(replyWait, cancellationToken).ConfigureAwait(false), null);
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
