using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Probing;
using SmtpTools.Protocol;
using SmtpTools.Rules;
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
            var report = new SmtpCapabilityReport { ComputerName = computerName, Port = port, RequestedSecurity = options.Security };
            var connection = options.Connection;
            var plan = new SmtpConversationPlan
            {
                TargetHost = computerName,
                Port = port,
                Requested = options.Security,
                Timeout = connection.Timeout,
                GreetingWait = connection.GreetingWait,
                HeloName = connection.HeloName,
                CertificatePolicy = connection.CertificatePolicy,
                Transcript = connection.Transcript,
                Authenticate = options.Credential == null ? null : (c, token) => AuthenticateAsync(report, c, options.Credential, scrubber, token),
            };

            SmtpEndpointFacts facts;
            using (var conversation = await SmtpConversation.RunAsync(computerName, addresses, plan, throwOnFailure: false, cancellationToken).ConfigureAwait(false))
            {
                facts = conversation.Facts;
            }

            if (facts.FailureKind != SmtpFailureKind.None && NothingToInspect(facts))
            {
                throw new SmtpConnectionException(facts.FailureKind, scrubber.Scrub(facts.ErrorMessage ?? facts.FailureKind.ToString()), null, facts.ReplyCode);
            }

            report.RemoteAddress = facts.RemoteAddress;
            report.Banner = facts.Greeting?.Text;
            report.ExtensionsBeforeTls = facts.ExtensionsBeforeTls;
            report.ExtensionsAfterTls = facts.ExtensionsAfterTls;
            report.Tls = facts.Tls;
            // A silent port whose handshake failed is still worth a version scan: it may accept only versions the platform refuses.
            report.Security = facts.Observed == SmtpObservedSecurity.Unknown && !facts.Greeted && facts.FailureStep == ConversationStep.Handshake ? SmtpObservedSecurity.ImplicitTls : facts.Observed;
            report.FailureKind = facts.FailureKind;
            report.ErrorMessage = facts.ErrorMessage == null ? null : scrubber.Scrub(facts.ErrorMessage);

            await ScanTlsVersionsAsync(report, options, cancellationToken).ConfigureAwait(false);
            if (report.Tls == null && report.Banner == null && !report.TlsVersions.Any(v => v.IsAccepted))
            {
                // A silent port that would not do TLS either: there is nothing to report on.
                throw new SmtpConnectionException(report.FailureKind, report.ErrorMessage ?? "The server neither greeted nor completed a TLS handshake.");
            }

            var sameVersion = report.TlsVersions.FirstOrDefault(v => v.Outcome == TlsVersionOutcome.Accepted && v.Version == report.TlsProtocol);
            report.KeyExchangeGroup = sameVersion?.KeyExchangeGroup;
            report.KeyExchange = report.Tls == null ? null : TlsParameterNames.KeyExchange(report.CipherSuite, report.KeyExchangeGroup) ?? sameVersion?.KeyExchange;
            report.Findings = EndpointRules.Evaluate(report);
            (report.Rating, report.RatingReason) = SubmissionRanking.Assess(report);
            report.Duration = total.Elapsed;
            return report;
        }

        // Before the first sign of SMTP (refused, silent and not TLS, not SMTP, the wrong mode) there is no report to give.
        private static bool NothingToInspect(SmtpEndpointFacts facts) =>
            facts.FailureKind == SmtpFailureKind.SecurityMismatch || facts.FailureStep == ConversationStep.Connect
            || facts.FailureStep == ConversationStep.Greeting || facts.FailureStep == ConversationStep.GreetingInsideTls;

        private static SecretScrubber ScrubberFor(SmtpCapabilityOptions options) =>
            SecretScrubber.ForPassword(options.Credential?.UserName, options.Credential?.Password);

        private static async Task ScanTlsVersionsAsync(SmtpCapabilityReport report, SmtpCapabilityOptions options, CancellationToken cancellationToken)
        {
            var tlsPort = report.Security == SmtpObservedSecurity.ImplicitTls || report.Security == SmtpObservedSecurity.StartTls;
            if (!options.ScanTlsVersions || !tlsPort || options.Security == SmtpRequestedSecurity.None || report.RemoteAddress == null
                || report.FailureKind == SmtpFailureKind.StartTlsRefused || report.FailureKind == SmtpFailureKind.TimedOut)
            {
                return;
            }

            var connection = options.Connection;
            var startTls = report.Security == SmtpObservedSecurity.StartTls;
            var scanner = new TlsVersionScanner(connection.Timeout, connection.HeloName);

            // The cipher scan finds refused versions by itself, so it runs beside the version scan, not after it.
            var cipherScan = options.ScanCipherSuites
                ? new TlsCipherSuiteScanner(connection.Timeout, connection.HeloName).ScanAsync(report.RemoteAddress, report.Port, report.ComputerName, startTls, TlsVersionScanner.AllVersions, cancellationToken)
                : null;
            report.TlsVersions = await scanner.ScanAsync(report.RemoteAddress, report.Port, report.ComputerName, startTls, null, cancellationToken).ConfigureAwait(false);
            foreach (var version in report.TlsVersions)
            {
                var detail = version.CipherSuite ?? version.Alert ?? version.Detail;
                connection.Transcript?.Invoke($"=== TLS version scan: {version.Version} {version.Outcome}{(detail == null ? string.Empty : " (" + detail + ")")} in {version.Duration.TotalMilliseconds:0} ms");
            }

            if (cipherScan == null)
            {
                return;
            }

            // Both scans must agree that a version is on; a version the version scan could not judge is left out.
            var accepted = report.TlsVersions.Where(v => v.IsAccepted).Select(v => v.Version).ToArray();
            report.CipherSuiteScans = (await cipherScan.ConfigureAwait(false)).Where(s => accepted.Contains(s.Version)).ToArray();
            foreach (var scan in report.CipherSuiteScans)
            {
                connection.Transcript?.Invoke($"=== Cipher suite scan: {scan.Version} {scan.AcceptedCount} of {scan.OfferedCount} accepted, {scan.Order} order, {scan.Handshakes} handshakes in {scan.Duration.TotalMilliseconds:0} ms{(scan.Detail == null ? string.Empty : " (incomplete: " + scan.Detail + ")")}");
            }
        }

        // The AUTH hook of the conversation: the credential leaves only inside TLS, past an acceptable certificate.
        private static async Task AuthenticateAsync(SmtpCapabilityReport report, SmtpConversation conversation, System.Net.NetworkCredential credential, SecretScrubber scrubber, CancellationToken cancellationToken)
        {
            var session = conversation.Session!;
            var facts = conversation.Facts;
            if (!session.IsTls)
            {
                // Checked before a single byte of the secret exists on the wire (RFC 8314 4.1).
                report.AuthenticationResult = SmtpAuthenticationResult.WithheldNotEncrypted;
                report.AuthenticationMessage = "The credential was not sent: this session is not encrypted, and a password never crosses the network in clear.";
                return;
            }

            var certificate = facts.Tls?.Certificate;
            if (certificate == null || !certificate.IsAcceptable)
            {
                report.AuthenticationResult = SmtpAuthenticationResult.WithheldCertificateRejected;
                report.AuthenticationMessage = certificate == null
                    ? "The credential was not sent: the server presented no certificate."
                    : $"The credential was not sent: the server's certificate is not acceptable ({certificate.Verdict}). {CertificateInspector.Remedy(certificate)}";
                return;
            }

            SaslOutcome outcome;
            try
            {
                outcome = await SmtpSaslAuthenticator.AuthenticateAsync(session, credential, facts.ExtensionsAfterTls?.AuthMechanisms ?? Array.Empty<string>(), conversation.Plan.Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException || e is EndOfStreamException || e is IOException || e is SmtpProtocolException || e is ObjectDisposedException)
            {
                // Sent, but never answered: saying "not attempted" would tell the user the password never left.
                report.AuthenticationResult = SmtpAuthenticationResult.Interrupted;
                report.AuthenticationMessage = scrubber.Scrub($"The credential was sent inside TLS, but the session broke off before the server answered ({e.Message}): no verdict either way. Try again; if it persists, the server is at fault.");
                throw;
            }

            report.AuthenticationResult = outcome.Result;
            report.AuthenticationMechanism = outcome.Mechanism;
            report.AuthenticationMessage = outcome.Message == null ? null : scrubber.Scrub(outcome.Message);
        }
    }
}
