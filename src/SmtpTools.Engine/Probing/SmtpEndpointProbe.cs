using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Protocol;

namespace SmtpTools.Probing
{
    /// <summary>
    /// Finds out what one port really speaks, by behaviour: a server that talks first is plaintext SMTP (then EHLO,
    /// STARTTLS if offered); a silent one is tried with a TLS handshake (implicit TLS, RFC 8314 3.3) and must then greet
    /// inside TLS. Each step is bounded by the options' timeout. Never throws for network outcomes: they are results.
    /// </summary>
    public static class SmtpEndpointProbe
    {
        /// <summary>Probes <paramref name="computerName"/>:<paramref name="port"/>.</summary>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public static async Task<SmtpPortResult> ProbeAsync(string computerName, int port, SmtpProbeOptions options, CancellationToken cancellationToken = default)
        {
            var result = new SmtpPortResult { ComputerName = computerName, Port = port };
            var total = Stopwatch.StartNew();
            try
            {
                var addresses = await SmtpWireSession.ResolveAsync(computerName, options.Timeout, cancellationToken).ConfigureAwait(false);
                await ProbeAddressAsync(result, addresses, computerName, port, options, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpConnectionException e)
            {
                Fail(result, e.Kind, e.Message);
            }
            finally
            {
                result.Duration = total.Elapsed;
            }

            return result;
        }

        private static async Task ProbeAddressAsync(SmtpPortResult result, IPAddress[] addresses, string host, int port, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            using (var session = await SmtpWireSession.ConnectAsync(addresses, port, options.Timeout, options.Transcript, cancellationToken).ConfigureAwait(false))
            {
                result.RemoteAddress = session.RemoteAddress;
                result.ConnectTime = session.ConnectTime;
                var sinceConnect = Stopwatch.StartNew();
                SmtpReply? greeting = null;
                try
                {
                    // Silent: implicit TLS waits for our ClientHello; tried below on the same, still open, connection.
                    if (await session.WaitForDataAsync(Min(options.GreetingWait, options.Timeout), cancellationToken).ConfigureAwait(false))
                    {
                        greeting = await session.ReadReplyAsync(options.Timeout, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (TimeoutException)
                {
                    Fail(result, SmtpFailureKind.TimedOut, $"The server started a greeting but did not finish it within {options.Timeout.TotalSeconds:0.#} s.");
                    return;
                }
                catch (SmtpProtocolException e)
                {
                    Fail(result, SmtpFailureKind.NotSmtp, $"Something answered on port {port}, but not SMTP: \"{e.Received}\".");
                    return;
                }
                catch (EndOfStreamException)
                {
                    Fail(result, SmtpFailureKind.ConnectionClosed, "The server closed the connection without a greeting.");
                    return;
                }

                if (greeting != null)
                {
                    result.GreetingTime = sinceConnect.Elapsed;
                    await ProbePlaintextAsync(result, session, greeting, host, options, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ProbeImplicitTlsAsync(result, session, host, options, cancellationToken).ConfigureAwait(false);
                }
            }

            if (result.Status == SmtpPortStatus.NoResponse || (result.Status == SmtpPortStatus.TlsFailed && result.Security == SmtpSecurityMode.Unknown))
            {
                await ClassifySilentPortAsync(result, addresses, port, options, cancellationToken).ConfigureAwait(false);
            }
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

            if (!await HandshakeAsync(result, session, host, options, cancellationToken).ConfigureAwait(false))
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

        private static async Task ProbeImplicitTlsAsync(SmtpPortResult result, SmtpWireSession session, string host, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            if (!await HandshakeAsync(result, session, host, options, cancellationToken).ConfigureAwait(false))
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
                result.Status = SmtpPortStatus.NotSmtp;
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

        private static async Task<bool> HandshakeAsync(SmtpPortResult result, SmtpWireSession session, string host, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            try
            {
                // Probe: always complete the handshake to see the certificate; judge it after.
                result.Tls = await session.UpgradeToTlsAsync(host, options.CertificatePolicy, reportOnly: true, SslProtocols.None, options.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpConnectionException e)
            {
                Fail(result, e.Kind, e.Message);
                result.Status = SmtpPortStatus.TlsFailed;
                return false;
            }
            catch (TimeoutException)
            {
                Fail(result, SmtpFailureKind.TimedOut, $"The port accepted the connection but answered neither in clear nor to a TLS handshake within {options.Timeout.TotalSeconds:0.#} s.");
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

            if (certificate != null && options.CertificatePolicy.SkipValidation && certificate.Verdict != "valid")
            {
                result.Notes.Add($"Certificate problem ignored (-SkipCertificateCheck): {certificate.Verdict}.");
            }

            return true;
        }

        // A second, separate connection for a port that did not speak SMTP: send a line and see what (if anything) answers.
        private static async Task ClassifySilentPortAsync(SmtpPortResult result, IPAddress[] addresses, int port, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            try
            {
                using (var session = await SmtpWireSession.ConnectAsync(new[] { result.RemoteAddress ?? addresses[0] }, port, options.Timeout, options.Transcript, cancellationToken).ConfigureAwait(false))
                {
                    await session.SendRawAsync(System.Text.Encoding.ASCII.GetBytes("EHLO " + options.HeloName + "\r\n"), options.Timeout, cancellationToken).ConfigureAwait(false);
                    await session.ReadReplyAsync(Min(options.GreetingWait, options.Timeout), cancellationToken).ConfigureAwait(false);
                }
            }
            catch (SmtpProtocolException e)
            {
                Fail(result, SmtpFailureKind.NotSmtp, $"Something answered on port {port}, but not SMTP: \"{e.Received}\".");
                result.Status = SmtpPortStatus.NotSmtp;
            }
            catch (Exception e) when (e is TimeoutException || e is EndOfStreamException || e is IOException || e is SmtpConnectionException)
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
                    result.Notes.Add($"No answer to {command.Split(' ')[0]} within {options.Timeout.TotalSeconds:0.#} s.");
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

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    }
}
