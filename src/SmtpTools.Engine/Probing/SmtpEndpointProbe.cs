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
using SmtpTools.Protocol;

namespace SmtpTools.Probing
{
    /// <summary>
    /// Finds out what one port really speaks, by behaviour: a server that talks first is plaintext SMTP (then EHLO,
    /// STARTTLS if offered); a silent one is tried with a TLS handshake (implicit TLS, RFC 8314 3.3) and must then greet
    /// inside TLS. Each step is bounded by the options' timeout, and a silent port costs about one timeout in all (the
    /// greeting wait plus the handshake share it). Never throws for network outcomes: they are results.
    /// </summary>
    public static class SmtpEndpointProbe
    {
        /// <summary>Resolves <paramref name="computerName"/> and probes its <paramref name="port"/>.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 1-65535.</exception>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public static async Task<SmtpPortResult> ProbeAsync(string computerName, int port, SmtpProbeOptions options, CancellationToken cancellationToken = default)
        {
            CheckPort(port);
            var watch = Stopwatch.StartNew();
            IPAddress[] addresses;
            try
            {
                addresses = await SmtpWireSession.ResolveAsync(computerName, options.Timeout, options.Dns, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpConnectionException e)
            {
                var unresolved = Unresolved(computerName, port, e);
                unresolved.Duration = watch.Elapsed;
                return unresolved;
            }

            return await ProbeAsync(computerName, addresses, port, options, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Probes <paramref name="port"/> of a host already resolved to <paramref name="addresses"/> (tried in order until
        /// one accepts), so a sweep resolves each host once for all its ports. Certificates are checked against
        /// <paramref name="computerName"/>.
        /// </summary>
        /// <exception cref="ArgumentException"><paramref name="addresses"/> is empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 1-65535.</exception>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public static async Task<SmtpPortResult> ProbeAsync(string computerName, IReadOnlyList<IPAddress> addresses, int port, SmtpProbeOptions options, CancellationToken cancellationToken = default)
        {
            CheckPort(port);
            if (addresses is null || addresses.Count == 0)
            {
                throw new ArgumentException("At least one address is needed.", nameof(addresses));
            }

            var result = new SmtpPortResult { ComputerName = computerName, Port = port };
            var total = Stopwatch.StartNew();
            try
            {
                await ProbeAddressesAsync(result, addresses, computerName, port, options, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpConnectionException e)
            {
                Fail(result, e.Kind, e.Message);
            }
            catch (Exception e) when (e is IOException || e is SocketException || e is ObjectDisposedException)
            {
                // The connection broke between two steps: the peer reset it, or a step's timeout closed it.
                Fail(result, SmtpFailureKind.ConnectionClosed, "The connection broke during the probe: " + e.Message);
            }
            finally
            {
                result.Duration = total.Elapsed;
            }

            Conclude(result);
            return result;
        }

        /// <summary>The result for a port of a host whose name did not resolve.</summary>
        internal static SmtpPortResult Unresolved(string computerName, int port, SmtpConnectionException failure)
        {
            var result = new SmtpPortResult { ComputerName = computerName, Port = port };
            Fail(result, failure.Kind, failure.Message);
            if (failure.Kind == SmtpFailureKind.TimedOut)
            {
                result.Status = SmtpPortStatus.NameNotResolved; // no address to call filtered: the lookup itself timed out
            }

            Conclude(result);
            return result;
        }

        /// <summary>
        /// The detection every cmdlet shares (RFC 8314 3.3): a server that talks first speaks plaintext SMTP, and its
        /// greeting is returned; one that stays silent for the greeting wait is waiting for a ClientHello (implicit TLS),
        /// and null is returned with the connection still usable for the handshake.
        /// </summary>
        /// <exception cref="TimeoutException">The server started a reply but did not finish it in time.</exception>
        /// <exception cref="SmtpProtocolException">What the server sent first is not SMTP.</exception>
        /// <exception cref="EndOfStreamException">The server closed the connection without a greeting.</exception>
        internal static async Task<SmtpReply?> ReadGreetingOrSilenceAsync(SmtpWireSession session, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            if (!await session.WaitForDataAsync(GreetingWait(options), cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            return await session.ReadReplyAsync(options.Timeout, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// How long a silent server is given to greet before we try TLS: the configured wait, but at most half the
        /// timeout, so that wait plus the handshake stay within one timeout.
        /// </summary>
        internal static TimeSpan GreetingWait(SmtpProbeOptions options)
        {
            var half = TimeSpan.FromTicks(options.Timeout.Ticks / 2);
            return options.GreetingWait < half ? options.GreetingWait : half;
        }

        private static async Task ProbeAddressesAsync(SmtpPortResult result, IReadOnlyList<IPAddress> addresses, string host, int port, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            Task<Action<SmtpPortResult>?>? clearText = null;
            var greetedLate = false;
            using (var stopClearText = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                try
                {
                    using (var session = await SmtpWireSession.ConnectAsync(addresses, port, options.Timeout, options.Transcript, cancellationToken).ConfigureAwait(false))
                    {
                        result.RemoteAddress = session.RemoteAddress;
                        result.ConnectTime = session.ConnectTime;
                        var sinceConnect = Stopwatch.StartNew();
                        SmtpReply? greeting;
                        try
                        {
                            greeting = await ReadGreetingOrSilenceAsync(session, options, cancellationToken).ConfigureAwait(false);
                        }
                        catch (TimeoutException)
                        {
                            Fail(result, SmtpFailureKind.TimedOut, $"The server began to answer but sent no complete line within {Seconds(options.Timeout)} s.");
                            return;
                        }
                        catch (SmtpProtocolException e)
                        {
                            Fail(result, SmtpFailureKind.NotSmtp, $"Something answered on port {port}, but not SMTP: \"{e.Received}\".");
                            return;
                        }
                        catch (EndOfStreamException)
                        {
                            Fail(result, SmtpFailureKind.ConnectionClosed, "The port accepted the connection and closed it without a greeting.");
                            return;
                        }

                        if (greeting != null)
                        {
                            result.GreetingTime = sinceConnect.Elapsed;
                            await ProbePlaintextAsync(result, session, greeting, host, options, cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            // Silence: implicit TLS, or a server that speaks only after the client (HTTP and the like). Once the
                            // handshake has gone unanswered for a quarter of its budget, the clear-text check starts beside it on
                            // a second connection, so a silent port costs about one timeout in all, not one and a half.
                            var budget = options.Timeout - GreetingWait(options);
                            var grace = TimeSpan.FromTicks(budget.Ticks / 4);
                            var handshake = ProbeImplicitTlsAsync(result, session, host, options, budget, cancellationToken);
                            if (await Task.WhenAny(handshake, Task.Delay(grace, stopClearText.Token)).ConfigureAwait(false) != handshake)
                            {
                                var replyWait = budget - grace < GreetingWait(options) ? budget - grace : GreetingWait(options);
                                clearText = ClassifySilentPortAsync(result.RemoteAddress ?? addresses[0], port, options, replyWait, stopClearText.Token);
                            }

                            await handshake.ConfigureAwait(false);
                            greetedLate = result.Security == SmtpSecurityMode.Unknown && session.AnsweredHandshakeInClearSmtp;
                        }
                    }

                    if (greetedLate)
                    {
                        await ReprobeLateGreeterAsync(result, host, port, options, cancellationToken).ConfigureAwait(false);
                    }
                    else if (result.Status == SmtpPortStatus.NoResponse || (result.Status == SmtpPortStatus.TlsFailed && result.Security == SmtpSecurityMode.Unknown))
                    {
                        var finding = await (clearText ?? ClassifySilentPortAsync(result.RemoteAddress ?? addresses[0], port, options, GreetingWait(options), cancellationToken)).ConfigureAwait(false);
                        finding?.Invoke(result);
                    }
                }
                finally
                {
                    // The port answered the handshake after all, greeted late, or the probe failed: the clear-text check is not needed.
                    if (clearText != null && !clearText.IsCompleted)
                    {
                        stopClearText.Cancel();
                        try
                        {
                            await clearText.ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                        }
                    }
                }
            }
        }

        // The server answered our ClientHello with an SMTP reply: plaintext SMTP that greets later than the greeting wait
        // (a greet pause against spammers, or load). Let it greet in its own time on a fresh connection, and probe that.
        private static async Task ReprobeLateGreeterAsync(SmtpPortResult result, string host, int port, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            try
            {
                using (var session = await SmtpWireSession.ConnectAsync(new[] { result.RemoteAddress! }, port, options.Timeout, options.Transcript, cancellationToken).ConfigureAwait(false))
                {
                    var sinceConnect = Stopwatch.StartNew();
                    var greeting = await session.ReadReplyAsync(options.Timeout, cancellationToken).ConfigureAwait(false);
                    StartOver(result);
                    result.GreetingTime = sinceConnect.Elapsed;
                    result.Notes.Add($"The server greets in clear only after {Seconds(sinceConnect.Elapsed)} s, later than the {Seconds(GreetingWait(options))} s greeting wait, so the first connection tried TLS and got SMTP back; this result is from a second connection.");
                    await ProbePlaintextAsync(result, session, greeting, host, options, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is TimeoutException || e is SmtpProtocolException || e is EndOfStreamException || e is IOException || e is SocketException || e is ObjectDisposedException || e is SmtpConnectionException)
            {
                result.Notes.Add($"The server answered the TLS handshake in clear SMTP, but a second connection got no greeting within {Seconds(options.Timeout)} s: {e.Message}");
            }
        }

        private static void StartOver(SmtpPortResult result)
        {
            result.Status = SmtpPortStatus.Open;
            result.Security = SmtpSecurityMode.Unknown;
            result.FailureKind = SmtpFailureKind.None;
            result.ErrorMessage = null;
            result.Tls = null;
            result.Banner = null;
        }

        private static async Task ProbePlaintextAsync(SmtpPortResult result, SmtpWireSession session, SmtpReply greeting, string host, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            result.Banner = greeting.Text;
            if (greeting.Code != 220)
            {
                Fail(result, SmtpFailureKind.CommandRejected, $"The server greeted with {greeting.Text} instead of 220: it refuses sessions.");
                result.Status = SmtpPortStatus.Open;
                return;
            }

            result.Security = SmtpSecurityMode.PlainOnly;
            var ehlo = await SafeCommandAsync(result, session, "EHLO " + options.HeloName, options, cancellationToken).ConfigureAwait(false);
            if (ehlo == null)
            {
                return;
            }

            if (ehlo.Code != 250)
            {
                result.Notes.Add($"EHLO refused ({ehlo.Text}): the server speaks only old SMTP, without extensions or STARTTLS.");
                await SafeCommandAsync(result, session, "QUIT", options, cancellationToken).ConfigureAwait(false);
                return;
            }

            result.ExtensionsBeforeTls = SmtpExtensions.Parse(ehlo.Lines);
            if (!result.ExtensionsBeforeTls.StartTls)
            {
                await SafeCommandAsync(result, session, "QUIT", options, cancellationToken).ConfigureAwait(false);
                return;
            }

            result.Security = SmtpSecurityMode.StartTls;
            var ready = await SafeCommandAsync(result, session, "STARTTLS", options, cancellationToken).ConfigureAwait(false);
            if (ready == null)
            {
                return;
            }

            if (ready.Code != 220)
            {
                Fail(result, SmtpFailureKind.StartTlsRefused, $"The server offered STARTTLS but answered {ready.Text}.");
                result.Status = SmtpPortStatus.TlsFailed;
                return;
            }

            if (!await HandshakeAsync(result, session, host, options, options.Timeout, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            var ehloTls = await SafeCommandAsync(result, session, "EHLO " + options.HeloName, options, cancellationToken).ConfigureAwait(false);
            if (ehloTls?.Code == 250)
            {
                result.ExtensionsAfterTls = SmtpExtensions.Parse(ehloTls.Lines);
            }

            await SafeCommandAsync(result, session, "QUIT", options, cancellationToken).ConfigureAwait(false);
        }

        private static async Task ProbeImplicitTlsAsync(SmtpPortResult result, SmtpWireSession session, string host, SmtpProbeOptions options, TimeSpan handshakeTimeout, CancellationToken cancellationToken)
        {
            if (!await HandshakeAsync(result, session, host, options, handshakeTimeout, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            var sinceTls = Stopwatch.StartNew();
            SmtpReply greeting;
            try
            {
                greeting = await session.ReadReplyAsync(options.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException || e is SmtpProtocolException || e is EndOfStreamException || e is IOException)
            {
                Fail(result, SmtpFailureKind.NotSmtp, "TLS works on this port but no SMTP greeting came inside it (an HTTPS or other TLS service?).");
                return;
            }

            result.GreetingTime = sinceTls.Elapsed;
            result.Banner = greeting.Text;
            result.Security = SmtpSecurityMode.ImplicitTls;
            if (greeting.Code != 220)
            {
                Fail(result, SmtpFailureKind.CommandRejected, $"The server greeted with {greeting.Text} instead of 220: it refuses sessions.");
                result.Status = SmtpPortStatus.Open;
                return;
            }

            var ehlo = await SafeCommandAsync(result, session, "EHLO " + options.HeloName, options, cancellationToken).ConfigureAwait(false);
            if (ehlo?.Code == 250)
            {
                result.ExtensionsAfterTls = SmtpExtensions.Parse(ehlo.Lines);
                if (result.ExtensionsAfterTls.StartTls)
                {
                    result.Notes.Add("The server offers STARTTLS inside implicit TLS, which makes no sense (RFC 3207 4.2).");
                }
            }

            await SafeCommandAsync(result, session, "QUIT", options, cancellationToken).ConfigureAwait(false);
        }

        private static async Task<bool> HandshakeAsync(SmtpPortResult result, SmtpWireSession session, string host, SmtpProbeOptions options, TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                // Probe: always complete the handshake to see the certificate; judge it after.
                result.Tls = await session.UpgradeToTlsAsync(host, options.CertificatePolicy, reportOnly: true, SslProtocols.None, timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpConnectionException e)
            {
                Fail(result, e.Kind, e.Message);
                result.Status = SmtpPortStatus.TlsFailed;
                return false;
            }
            catch (TimeoutException)
            {
                Fail(result, SmtpFailureKind.TimedOut, $"The port accepted the connection but answered neither in clear nor to a TLS handshake within {Seconds(options.Timeout)} s.");
                result.Status = SmtpPortStatus.NoResponse;
                return false;
            }

            var certificate = result.Tls.Certificate;
            if (certificate != null && !certificate.IsAcceptable)
            {
                Fail(result, SmtpFailureKind.CertificateRejected, $"The certificate is not acceptable ({certificate.Verdict}). Use -SkipCertificateCheck to probe past it, or trust its CA explicitly.");
                result.Status = SmtpPortStatus.TlsFailed;
                return true; // still read the greeting: the port's mode is worth knowing
            }

            if (certificate != null && options.CertificatePolicy.SkipValidation && !certificate.Verdict.StartsWith("valid", StringComparison.Ordinal))
            {
                result.Notes.Add($"Certificate problem ignored (-SkipCertificateCheck): {certificate.Verdict}.");
            }

            return true;
        }

        // A second, separate connection for a port that did not speak SMTP: send a line and see what (if anything)
        // answers. It may run beside the first connection's handshake, so it returns what it found (applied to the result
        // once the first connection is done) rather than writing to the result itself; null when the port stayed silent.
        private static async Task<Action<SmtpPortResult>?> ClassifySilentPortAsync(IPAddress address, int port, SmtpProbeOptions options, TimeSpan replyWait, CancellationToken cancellationToken)
        {
            try
            {
                using (var session = await SmtpWireSession.ConnectAsync(new[] { address }, port, options.Timeout, options.Transcript, cancellationToken).ConfigureAwait(false))
                {
                    await session.SendRawAsync(Encoding.ASCII.GetBytes("EHLO " + options.HeloName + "\r\n"), options.Timeout, cancellationToken).ConfigureAwait(false);
                    var reply = await session.ReadReplyAsync(replyWait, cancellationToken).ConfigureAwait(false);
                    return result => result.Notes.Add($"In clear, the port answered \"{reply.Text}\" on a second connection: an SMTP server that greets only after the client speaks, or more slowly than the {Seconds(GreetingWait(options))} s greeting wait. Retry with a larger -TimeoutSec.");
                }
            }
            catch (SmtpProtocolException e)
            {
                return result => Fail(result, SmtpFailureKind.NotSmtp, $"Something answered on port {port}, but not SMTP: \"{e.Received}\".");
            }
            catch (Exception e) when (e is TimeoutException || e is EndOfStreamException || e is IOException || e is SocketException || e is ObjectDisposedException || e is SmtpConnectionException)
            {
                // Still silent (or gone): keep the first verdict.
                return null;
            }
        }

        private static async Task ClassifySilentPortAsync(SmtpPortResult result, IReadOnlyList<IPAddress> addresses, int port, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            try
            {
                using (var session = await SmtpWireSession.ConnectAsync(new[] { result.RemoteAddress ?? addresses[0] }, port, options.Timeout, options.Transcript, cancellationToken).ConfigureAwait(false))
                {
                    await session.SendRawAsync(Encoding.ASCII.GetBytes("EHLO " + options.HeloName + "\r\n"), options.Timeout, cancellationToken).ConfigureAwait(false);
                    var reply = await session.ReadReplyAsync(GreetingWait(options), cancellationToken).ConfigureAwait(false);
                    result.Notes.Add($"In clear, the port answered \"{reply.Text}\" on a second connection: an SMTP server that greets only after the client speaks, or more slowly than the {Seconds(GreetingWait(options))} s greeting wait. Retry with a larger -TimeoutSec.");
                }
            }
            catch (SmtpProtocolException e)
            {
                Fail(result, SmtpFailureKind.NotSmtp, $"Something answered on port {port}, but not SMTP: \"{e.Received}\".");
            }
            catch (Exception e) when (e is TimeoutException || e is EndOfStreamException || e is IOException || e is SocketException || e is ObjectDisposedException || e is SmtpConnectionException)
            {
                // Still silent (or gone): keep the first verdict.
            }
        }

        private static async Task<SmtpReply?> SafeCommandAsync(SmtpPortResult result, SmtpWireSession session, string command, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            try
            {
                return await session.CommandAsync(command, options.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                if (command != "QUIT")
                {
                    result.Notes.Add($"No answer to {command.Split(' ')[0]} within {Seconds(options.Timeout)} s.");
                }
            }
            catch (Exception e) when (e is SmtpProtocolException || e is EndOfStreamException || e is IOException || e is ObjectDisposedException)
            {
                if (command != "QUIT")
                {
                    result.Notes.Add($"{command.Split(' ')[0]} failed: {e.Message}");
                }
            }

            return null;
        }

        // The port-number judgement comes last, on what the port really did.
        private static void Conclude(SmtpPortResult result)
        {
            var mismatch = result.Security == SmtpSecurityMode.Unknown ? null : SubmissionRanking.PortMismatch(result.Port, result.Security);
            if (mismatch != null)
            {
                result.Notes.Add(mismatch);
            }

            (result.Recommendation, result.RecommendationReason) = SubmissionRanking.Assess(result);
        }

        private static void Fail(SmtpPortResult result, SmtpFailureKind kind, string message)
        {
            result.FailureKind = kind;
            result.ErrorMessage = message;
            switch (kind)
            {
                case SmtpFailureKind.NameNotResolved: result.Status = SmtpPortStatus.NameNotResolved; break;
                case SmtpFailureKind.ConnectionRefused: result.Status = SmtpPortStatus.Closed; break;
                case SmtpFailureKind.TimedOut: result.Status = result.RemoteAddress == null || result.ConnectTime == null ? SmtpPortStatus.Filtered : SmtpPortStatus.NoResponse; break;
                case SmtpFailureKind.NotSmtp: result.Status = SmtpPortStatus.NotSmtp; break;
                case SmtpFailureKind.ConnectionClosed: result.Status = SmtpPortStatus.NoResponse; break;
                default: result.Status = SmtpPortStatus.TlsFailed; break;
            }
        }

        private static void CheckPort(int port)
        {
            if (port < 1 || port > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(port), port, "A TCP port is 1-65535.");
            }
        }

        private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
    }
}
