using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Probing;
using SmtpTools.Protocol;
using SmtpTools.Tls;

namespace SmtpTools.Capability
{
    /// <summary>
    /// Get-SmtpCapability's engine: one SMTP session (greeting, EHLO in clear, STARTTLS, handshake with the certificate
    /// judged but never enforced, EHLO inside TLS, optionally AUTH), then the TLS version scan, then the findings.
    /// </summary>
    public static class SmtpCapabilityInspector
    {
        /// <summary>Inspects <paramref name="computerName"/>:<paramref name="port"/>.</summary>
        /// <returns>The report, possibly partial: <see cref="SmtpCapabilityReport.FailureKind"/> says what stopped it short.</returns>
        /// <exception cref="SmtpConnectionException">
        /// Nothing could be inspected: the name did not resolve, the connection was refused or timed out, the peer does not
        /// speak SMTP, or it neither greeted nor completed a TLS handshake.
        /// </exception>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public static async Task<SmtpCapabilityReport> InspectAsync(string computerName, int port, SmtpCapabilityOptions options, CancellationToken cancellationToken = default)
        {
            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            var total = Stopwatch.StartNew();
            var scrubber = ScrubberFor(options);
            if (scrubber.Forms.Count > 0 && options.Connection.Transcript is { } transcript)
            {
                // A server may echo the credential back (a careless 535): the transcript never shows it.
                options = options.WithConnection(options.Connection.WithTranscript(line => transcript(scrubber.Scrub(line))));
            }

            var addresses = await SmtpWireSession.ResolveAsync(computerName, options.Connection.Timeout, options.Connection.Dns, cancellationToken).ConfigureAwait(false);
            var (report, greetedLate) = await ConverseAsync(computerName, addresses, port, options, patientGreeting: false, cancellationToken).ConfigureAwait(false);
            if (greetedLate)
            {
                // Our ClientHello got an SMTP reply in clear: plaintext SMTP that greets later than the greeting wait.
                // Let it greet in its own time on a fresh connection (as Test-SmtpPort does).
                (report, _) = await ConverseAsync(computerName, new[] { report.RemoteAddress! }, port, options, patientGreeting: true, cancellationToken).ConfigureAwait(false);
            }

            await ScanTlsVersionsAsync(report, options, cancellationToken).ConfigureAwait(false);
            if (report.Tls == null && report.Banner == null && !report.TlsVersions.Any(v => v.IsAccepted))
            {
                // A silent port that would not do TLS either: there is nothing to report on.
                throw new SmtpConnectionException(report.FailureKind, report.ErrorMessage ?? "The server neither greeted nor completed a TLS handshake.");
            }

            var sameVersion = report.TlsVersions.FirstOrDefault(v => v.Outcome == TlsVersionOutcome.Accepted && v.Version == report.TlsProtocol);
            report.KeyExchangeGroup = sameVersion?.KeyExchangeGroup;
            report.KeyExchange = report.Tls == null ? null : TlsParameterNames.KeyExchange(report.CipherSuite, report.KeyExchangeGroup) ?? sameVersion?.KeyExchange;
            report.Findings = SmtpFindingRules.Evaluate(report);
            report.Duration = total.Elapsed;
            return report;
        }

        private static async Task<(SmtpCapabilityReport Report, bool GreetedLate)> ConverseAsync(
            string computerName, System.Collections.Generic.IReadOnlyList<System.Net.IPAddress> addresses, int port, SmtpCapabilityOptions options, bool patientGreeting, CancellationToken cancellationToken)
        {
            var report = new SmtpCapabilityReport { ComputerName = computerName, Port = port, RequestedSecurity = options.Security };
            using (var session = await SmtpWireSession.ConnectAsync(addresses, port, options.Connection.Timeout, options.Connection.Transcript, cancellationToken).ConfigureAwait(false))
            {
                report.RemoteAddress = session.RemoteAddress;
                await new Conversation(report, session, options, patientGreeting, cancellationToken).RunAsync().ConfigureAwait(false);
                var greetedLate = !patientGreeting && options.Security == SmtpSecurity.Auto && report.Tls == null && report.Banner == null && session.AnsweredHandshakeInClearSmtp;
                return (report, greetedLate);
            }
        }

        private static SecretScrubber ScrubberFor(SmtpCapabilityOptions options) =>
            SecretScrubber.ForPassword(options.Credential?.UserName, options.Credential?.Password);

        private static async Task ScanTlsVersionsAsync(SmtpCapabilityReport report, SmtpCapabilityOptions options, CancellationToken cancellationToken)
        {
            var tlsPort = report.Security == SmtpSecurityMode.ImplicitTls || report.Security == SmtpSecurityMode.StartTls;
            if (!options.ScanTlsVersions || !tlsPort || options.Security == SmtpSecurity.None || report.RemoteAddress == null
                || report.FailureKind == SmtpFailureKind.StartTlsRefused || report.FailureKind == SmtpFailureKind.TimedOut)
            {
                return;
            }

            var connection = options.Connection;
            var scanner = new TlsVersionScanner(connection.Timeout, connection.HeloName);
            report.TlsVersions = await scanner.ScanAsync(report.RemoteAddress, report.Port, report.ComputerName, report.Security == SmtpSecurityMode.StartTls, null, cancellationToken).ConfigureAwait(false);
            foreach (var version in report.TlsVersions)
            {
                var detail = version.CipherSuite ?? version.Alert ?? version.Detail;
                connection.Transcript?.Invoke($"=== TLS version scan: {version.Version} {version.Outcome}{(detail == null ? string.Empty : " (" + detail + ")")} in {version.Duration.TotalMilliseconds:0} ms");
            }
        }

        /// <summary>One SMTP session, start to QUIT. Failures after the first sign of life are recorded, not thrown.</summary>
        private sealed class Conversation
        {
            private readonly SmtpCapabilityReport _report;
            private readonly SmtpWireSession _session;
            private readonly SmtpCapabilityOptions _options;
            private readonly SmtpProbeOptions _connection;
            private readonly CancellationToken _cancellationToken;
            private readonly bool _patientGreeting;
            private readonly SecretScrubber _scrubber;

            public Conversation(SmtpCapabilityReport report, SmtpWireSession session, SmtpCapabilityOptions options, bool patientGreeting, CancellationToken cancellationToken)
            {
                _patientGreeting = patientGreeting;
                _report = report;
                _session = session;
                _options = options;
                _connection = options.Connection;
                _cancellationToken = cancellationToken;
                _scrubber = ScrubberFor(options);
            }

            private TimeSpan Timeout => _connection.Timeout;

            public async Task RunAsync()
            {
                var greeting = await ReadGreetingAsync().ConfigureAwait(false);
                try
                {
                    if (greeting == null)
                    {
                        await ImplicitTlsAsync().ConfigureAwait(false);
                    }
                    else
                    {
                        await PlaintextAsync(greeting).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is TimeoutException || e is EndOfStreamException || e is IOException || e is SmtpProtocolException || e is ObjectDisposedException)
                {
                    if (_report.Banner == null)
                    {
                        throw new SmtpConnectionException(SmtpFailureKind.NotSmtp, $"TLS works on port {_report.Port} but no SMTP greeting came inside it (an HTTPS or other TLS service?).", e);
                    }

                    Fail(e is TimeoutException ? SmtpFailureKind.TimedOut : e is SmtpProtocolException ? SmtpFailureKind.ProtocolError : SmtpFailureKind.ConnectionClosed, "The session broke off: " + e.Message);
                }
            }

            /// <summary>The plaintext greeting, or null when the port is (or is said to be) implicit TLS.</summary>
            private async Task<SmtpReply?> ReadGreetingAsync()
            {
                try
                {
                    switch (_options.Security)
                    {
                        case SmtpSecurity.ImplicitTls:
                            return null;
                        case SmtpSecurity.Auto when !_patientGreeting:
                            return await SmtpEndpointProbe.ReadGreetingOrSilenceAsync(_session, _connection, _cancellationToken).ConfigureAwait(false);
                        default:
                            return await _session.ReadReplyAsync(Timeout, _cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (TimeoutException e) when (_options.Security == SmtpSecurity.Auto)
                {
                    throw new SmtpConnectionException(SmtpFailureKind.TimedOut, $"The server started a greeting but did not finish it within {Timeout.TotalSeconds:0.#} s.", e);
                }
                catch (TimeoutException e)
                {
                    throw new SmtpConnectionException(SmtpFailureKind.TimedOut, $"No SMTP greeting within {Timeout.TotalSeconds:0.#} s. An implicit-TLS port (465) waits for the client: try -Security ImplicitTls or Auto.", e);
                }
                catch (SmtpProtocolException e)
                {
                    throw new SmtpConnectionException(SmtpFailureKind.NotSmtp, $"Something answered on port {_report.Port}, but not SMTP: \"{e.Received}\".", e);
                }
                catch (EndOfStreamException e)
                {
                    throw new SmtpConnectionException(SmtpFailureKind.ConnectionClosed, "The server closed the connection without a greeting.", e);
                }
            }

            private async Task PlaintextAsync(SmtpReply greeting)
            {
                _report.Banner = greeting.Text;
                if (greeting.Code != 220)
                {
                    Fail(SmtpFailureKind.CommandRejected, $"The server greeted with {greeting.Text} instead of 220: it refuses sessions.");
                    await QuitAsync().ConfigureAwait(false);
                    return;
                }

                _report.Security = SmtpSecurityMode.PlainOnly;
                var ehlo = await _session.CommandAsync("EHLO " + _connection.HeloName, Timeout, _cancellationToken).ConfigureAwait(false);
                if (ehlo.Code == 250)
                {
                    _report.ExtensionsBeforeTls = SmtpExtensions.Parse(ehlo.Lines);
                }

                if (_report.ExtensionsBeforeTls?.StartTls != true)
                {
                    if (_options.Security == SmtpSecurity.StartTls)
                    {
                        Fail(SmtpFailureKind.StartTlsNotOffered, ehlo.Code == 250
                            ? "The server does not offer STARTTLS: it has no TLS on this port."
                            : $"The server refused EHLO ({ehlo.Text}), so it has no extensions and no STARTTLS.");
                    }

                    await FinishAsync().ConfigureAwait(false);
                    return;
                }

                _report.Security = SmtpSecurityMode.StartTls;
                if (_options.Security == SmtpSecurity.None)
                {
                    await FinishAsync().ConfigureAwait(false);
                    return;
                }

                var ready = await _session.CommandAsync("STARTTLS", Timeout, _cancellationToken).ConfigureAwait(false);
                if (ready.Code != 220)
                {
                    Fail(SmtpFailureKind.StartTlsRefused, $"The server offered STARTTLS but answered {ready.Text}.");
                    await FinishAsync().ConfigureAwait(false);
                    return;
                }

                if (!await HandshakeAsync().ConfigureAwait(false))
                {
                    return; // the connection is unusable after a failed handshake
                }

                var ehloTls = await _session.CommandAsync("EHLO " + _connection.HeloName, Timeout, _cancellationToken).ConfigureAwait(false);
                if (ehloTls.Code == 250)
                {
                    _report.ExtensionsAfterTls = SmtpExtensions.Parse(ehloTls.Lines);
                }

                await FinishAsync().ConfigureAwait(false);
            }

            private async Task ImplicitTlsAsync()
            {
                _report.Security = SmtpSecurityMode.ImplicitTls;
                if (!await HandshakeAsync().ConfigureAwait(false))
                {
                    return;
                }

                var greeting = await _session.ReadReplyAsync(Timeout, _cancellationToken).ConfigureAwait(false);
                _report.Banner = greeting.Text;
                if (greeting.Code != 220)
                {
                    Fail(SmtpFailureKind.CommandRejected, $"The server greeted with {greeting.Text} instead of 220: it refuses sessions.");
                    await QuitAsync().ConfigureAwait(false);
                    return;
                }

                var ehlo = await _session.CommandAsync("EHLO " + _connection.HeloName, Timeout, _cancellationToken).ConfigureAwait(false);
                if (ehlo.Code == 250)
                {
                    _report.ExtensionsAfterTls = SmtpExtensions.Parse(ehlo.Lines);
                }

                await FinishAsync().ConfigureAwait(false);
            }

            private async Task<bool> HandshakeAsync()
            {
                try
                {
                    // An audit always completes the handshake to see the certificate: the verdict becomes findings.
                    _report.Tls = await _session.UpgradeToTlsAsync(_report.ComputerName, _connection.CertificatePolicy, reportOnly: true, SslProtocols.None, Timeout, _cancellationToken).ConfigureAwait(false);
                    return true;
                }
                catch (SmtpConnectionException e)
                {
                    Fail(e.Kind, e.Message);
                }
                catch (TimeoutException)
                {
                    Fail(SmtpFailureKind.TimedOut, $"The TLS handshake did not finish within {Timeout.TotalSeconds:0.#} s.");
                }
                catch (ObjectDisposedException e)
                {
                    Fail(SmtpFailureKind.TlsHandshakeFailed, "The TLS handshake failed: " + e.Message);
                }

                return false;
            }

            private async Task FinishAsync()
            {
                await AuthenticateAsync().ConfigureAwait(false);
                await QuitAsync().ConfigureAwait(false);
            }

            private async Task AuthenticateAsync()
            {
                var credential = _options.Credential;
                if (credential == null)
                {
                    return;
                }

                if (!_session.IsTls)
                {
                    // Checked before a single byte of the secret exists on the wire (RFC 8314 4.1).
                    _report.AuthenticationResult = SmtpAuthenticationResult.WithheldNotEncrypted;
                    _report.AuthenticationMessage = "The credential was not sent: this session is not encrypted, and a password never crosses the network in clear.";
                    return;
                }

                var certificate = _report.Certificate;
                if (certificate == null || !certificate.IsAcceptable)
                {
                    _report.AuthenticationResult = SmtpAuthenticationResult.WithheldCertificateRejected;
                    _report.AuthenticationMessage = $"The credential was not sent: the server's certificate is not acceptable ({certificate?.Verdict ?? "none presented"}). Trust its CA with -TrustedCertificate, or fix the certificate.";
                    return;
                }

                SaslOutcome outcome;
                try
                {
                    outcome = await SmtpSaslAuthenticator.AuthenticateAsync(_session, credential, _report.ExtensionsAfterTls?.AuthMechanisms ?? Array.Empty<string>(), Timeout, _cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is TimeoutException || e is EndOfStreamException || e is IOException || e is SmtpProtocolException || e is ObjectDisposedException)
                {
                    // Sent, but never answered: saying "not attempted" would tell the user the password never left.
                    _report.AuthenticationResult = SmtpAuthenticationResult.Interrupted;
                    _report.AuthenticationMessage = _scrubber.Scrub($"The credential was sent inside TLS, but the session broke off before the server answered ({e.Message}): no verdict either way. Try again; if it persists, the server is at fault.");
                    throw;
                }

                _report.AuthenticationResult = outcome.Result;
                _report.AuthenticationMechanism = outcome.Mechanism;
                _report.AuthenticationMessage = outcome.Message == null ? null : _scrubber.Scrub(outcome.Message);
            }

            private async Task QuitAsync()
            {
                try
                {
                    await _session.CommandAsync("QUIT", Timeout, _cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is TimeoutException || e is EndOfStreamException || e is IOException || e is SmtpProtocolException || e is ObjectDisposedException)
                {
                    // Everything worth knowing is known; a server that hangs up on QUIT changes nothing.
                }
            }

            private void Fail(SmtpFailureKind kind, string message)
            {
                _report.FailureKind = kind;
                _report.ErrorMessage = _scrubber.Scrub(message);
            }
        }
    }
}
