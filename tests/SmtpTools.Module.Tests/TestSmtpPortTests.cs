using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Net;
using SmtpTools.Tests.Listeners;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>Test-SmtpPort against the real Postfix listeners and in-test fault listeners, through the engine.</summary>
    public sealed class TestSmtpPortTests : IClassFixture<ModuleFixture>
    {
        private const string Cmdlet = "SmtpTools.Commands.TestSmtpPortCommand";
        private const string SshBanner = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
        private const string HttpAnswer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

        private readonly ModuleFixture _fixture;

        public TestSmtpPortTests(ModuleFixture fixture) => _fixture = fixture;

        private TestServer Server => _fixture.Server;

        // ---- what each port really speaks ----

        [Fact]
        public void Submissions_port_is_reported_as_implicit_TLS_with_a_trusted_certificate()
        {
            var run = Probe("localhost", Server.Submissions);

            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("SmtpTools.SmtpPortResult", result.TypeName());
            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("ImplicitTls", result.Text("Security"));
            Assert.Equal(Server.Submissions, (int)result.Get("Port")!);
            Assert.StartsWith("220 mail.smtptools.test", result.Text("Banner"));
            Assert.Contains(result.Text("TlsProtocol"), new[] { "Tls12", "Tls13" });
            Assert.StartsWith("TLS_", result.Text("CipherSuite"));
            Assert.Equal("valid", result.Text("Certificate.Verdict"));
            Assert.Equal(true, result.Get("Certificate.HostNameMatches"));
            Assert.Equal(true, result.Get("Certificate.IsTrusted"));
            Assert.IsType<DateTimeOffset>(result.Get("Certificate.NotAfter"));
            Assert.Contains("PLAIN", result.Texts("AuthMechanisms"));
            Assert.Equal(false, result.Get("AuthOfferedBeforeTls"));
            Assert.Equal("Preferred", result.Text("Rating"));
        }

        [Fact]
        public void Every_step_of_a_probe_is_timed_as_a_TimeSpan()
        {
            var result = Assert.Single(Probe("localhost", Server.Submissions).Output);

            Assert.IsType<TimeSpan>(result.Get("ConnectTime"));
            Assert.IsType<TimeSpan>(result.Get("TlsHandshakeTime"));
            Assert.IsType<TimeSpan>(result.Get("GreetingTime"));
            Assert.IsType<TimeSpan>(result.Get("Duration"));
        }

        [Fact]
        public void Submission_port_is_reported_as_STARTTLS_with_AUTH_only_after_TLS()
        {
            var result = Assert.Single(Probe("localhost", Server.Submission).Output);

            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("StartTls", result.Text("Security"));
            Assert.Contains(result.Text("TlsProtocol"), new[] { "Tls12", "Tls13" });
            Assert.Equal(true, result.Get("ExtensionsBeforeTls.StartTls"));
            Assert.Empty(result.Texts("ExtensionsBeforeTls.AuthMechanisms"));
            Assert.Contains("PLAIN", result.Texts("AuthMechanisms"));
            Assert.Equal(false, result.Get("AuthOfferedBeforeTls"));
            Assert.Equal("Acceptable", result.Text("Rating"));
        }

        [Fact]
        public void Relay_port_is_reported_as_STARTTLS_that_takes_mail_without_credentials()
        {
            var result = Assert.Single(Probe("localhost", Server.Relay).Output);

            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("StartTls", result.Text("Security"));
            Assert.NotEqual("None", result.Text("TlsProtocol"));
            Assert.Empty(result.Texts("AuthMechanisms"));
            Assert.Contains("no AUTH", result.Text("RatingReason"));
        }

        [Fact]
        public void Plain_port_is_reported_as_plaintext_with_AUTH_offered_in_clear_and_never_recommended()
        {
            var result = Assert.Single(Probe("localhost", Server.Plain).Output);

            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("PlainOnly", result.Text("Security"));
            Assert.Equal("None", result.Text("TlsProtocol"));
            Assert.Equal(true, result.Get("AuthOfferedBeforeTls"));
            Assert.Contains("PLAIN", result.Texts("AuthMechanisms"));
            Assert.Equal("Insecure", result.Text("Rating"));
        }

        [Theory]
        [InlineData("expired", "expired")]
        [InlineData("wrongHost", "wrong host")]
        [InlineData("selfSigned", "self-signed")]
        public void Bad_certificate_fails_TLS_with_the_reason_and_the_verdict(string portName, string verdict)
        {
            var result = Assert.Single(Probe("localhost", Server.Ports[portName]).Output);

            Assert.Equal("TlsFailed", result.Text("Status"));
            Assert.Equal("CertificateRejected", result.Text("FailureKind"));
            Assert.Contains(verdict, result.Text("ErrorMessage"));
            Assert.Contains(verdict, result.Text("Certificate.Verdict"));
            Assert.Equal("ImplicitTls", result.Text("Security"));
            Assert.Equal("Unusable", result.Text("Rating"));
        }

        [Fact]
        public void An_RSA_1024_certificate_is_refused_like_Send_SecureMail_refuses_it()
        {
            var result = Assert.Single(_fixture.PowerShell.Run("Test-SmtpPort 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5", Server.Ports["weakKey"], Server.CaFile).Output);

            Assert.Equal("TlsFailed", result.Text("Status"));
            Assert.Equal("WeakKey", result.Text("Certificate.Problems"));
            Assert.Equal("Unusable", result.Text("Rating"));
        }

        [Fact]
        public void SkipCertificateStrengthCheck_accepts_an_RSA_1024_certificate_but_rates_it_Insecure_for_its_High_finding()
        {
            var run = _fixture.PowerShell.Run("Test-SmtpPort 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -SkipCertificateStrengthCheck -TimeoutSec 5", Server.Ports["weakKey"], Server.CaFile);

            var result = Assert.Single(run.Output);
            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("Insecure", result.Text("Rating"));
            Assert.Contains("CERT_WEAK_KEY", result.Text("RatingReason"));
            Assert.Contains(run.Warnings, w => w.Contains("-SkipCertificateStrengthCheck"));
        }

        [Fact]
        public void A_certificate_expiring_within_30_days_is_rated_below_Preferred()
        {
            var result = Assert.Single(_fixture.PowerShell.Run("Test-SmtpPort 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5", Server.Ports["expiring"], Server.CaFile).Output);

            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("Acceptable", result.Text("Rating"));
            Assert.Contains("CERT_EXPIRING", result.Text("RatingReason"));
        }

        [Fact]
        public void SkipCertificateCheck_probes_past_a_bad_certificate_but_still_reports_it_and_warns()
        {
            var run = _fixture.PowerShell.Run("Test-SmtpPort localhost -Port $args[0] -SkipCertificateCheck -TimeoutSec 5", Server.Ports["expired"]);

            var result = Assert.Single(run.Output);
            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("None", result.Text("FailureKind"));
            Assert.Contains("expired", result.Text("Certificate.Verdict"));
            Assert.Equal(true, result.Get("Certificate.ValidationSkipped"));
            Assert.Contains(result.Texts("Notes"), n => n.Contains("-SkipCertificateCheck") && n.Contains("expired"));
            Assert.Equal("Insecure", result.Text("Rating"));
            Assert.Contains(run.Warnings, w => w.Contains("NOT verified"));
        }

        [Fact]
        public void Server_that_speaks_SSH_is_reported_as_not_SMTP_with_what_it_said()
        {
            using var ssh = ScriptedListener.Start(ScriptedListener.Banner(SshBanner));

            var result = Assert.Single(Probe("127.0.0.1", ssh.Port).Output);

            Assert.Equal("NotSmtp", result.Text("Status"));
            Assert.Equal("NotSmtp", result.Text("FailureKind"));
            Assert.Contains("SSH-2.0-OpenSSH", result.Text("ErrorMessage"));
            Assert.Equal("Unusable", result.Text("Rating"));
        }

        [Fact]
        public void Server_that_waits_for_a_line_and_answers_HTTP_is_reported_as_not_SMTP()
        {
            using var http = ScriptedListener.Start(ScriptedListener.AnswerFirstLine(HttpAnswer));

            var result = Assert.Single(ProbeWithin(2, "127.0.0.1", http.Port).Output);

            Assert.Equal("NotSmtp", result.Text("Status"));
            Assert.Contains("HTTP/1.1 400", result.Text("ErrorMessage"));
        }

        [Fact]
        public void Port_where_nothing_listens_is_reported_as_closed()
        {
            var port = FreePort();

            var run = Probe("127.0.0.1", port);

            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("Closed", result.Text("Status"));
            Assert.Equal("ConnectionRefused", result.Text("FailureKind"));
        }

        [Fact]
        public void Listener_that_accepts_and_never_speaks_is_reported_as_no_response_within_the_timeout()
        {
            using var tarpit = ScriptedListener.Start(ScriptedListener.Tarpit);

            var result = Assert.Single(ProbeWithin(2, "127.0.0.1", tarpit.Port).Output);

            Assert.Equal("NoResponse", result.Text("Status"));
            Assert.Equal("TimedOut", result.Text("FailureKind"));
            Assert.Equal("127.0.0.1", result.Text("RemoteAddress"));
            Assert.True((TimeSpan)result.Get("Duration")! < TimeSpan.FromSeconds(10), "a silent port must not hold the probe past its timeouts");
        }

        [Fact]
        public void Implicit_TLS_port_that_answers_the_handshake_is_not_also_sent_EHLO_in_clear()
        {
            // The clear-text check for silent ports starts only once the handshake has gone unanswered for a while: the
            // first connection (silent, closed without a byte) and the handshake's second one, never a third for EHLO.
            using var submissions = ScriptedListener.Start(ScriptedListener.ForwardTo(new IPEndPoint(IPAddress.Loopback, Server.Submissions)));

            var result = Assert.Single(ProbeWithin(8, "localhost", submissions.Port).Output);

            Assert.Equal("ImplicitTls", result.Text("Security"));
            Assert.Equal(2, submissions.AcceptedCount);
        }

        [Fact]
        public void Port_whose_connection_attempts_go_unanswered_is_reported_as_filtered()
        {
            using var filtered = new FilteredPort();

            var result = Assert.Single(ProbeWithin(1, "127.0.0.1", filtered.Port).Output);

            Assert.Equal("Filtered", result.Text("Status"));
            Assert.Equal("TimedOut", result.Text("FailureKind"));
            Assert.Null(result.Get("RemoteAddress"));
        }

        [Fact]
        public void Unresolvable_name_gives_one_ObjectNotFound_error_and_the_other_hosts_still_answer()
        {
            var run = _fixture.PowerShell.Run(
                "Test-SmtpPort -ComputerName 'no-such-host.invalid', 'localhost' -Port $args[0], $args[1] -TrustedCertificate $args[2] -TimeoutSec 5",
                Server.Submissions, Server.Submission, Server.CaFile);

            var error = Assert.Single(run.Errors);
            Assert.Equal("SmtpTools.NameNotResolved," + Cmdlet, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal("no-such-host.invalid", error.TargetObject);
            Assert.Null(run.Terminating);
            var unresolved = run.Output.Where(r => r.Text("ComputerName") == "no-such-host.invalid").ToList();
            Assert.Equal(2, unresolved.Count);
            Assert.All(unresolved, r => Assert.Equal("NameNotResolved", r.Text("Status")));
            var answered = run.Output.Where(r => r.Text("ComputerName") == "localhost").ToList();
            Assert.Equal(2, answered.Count);
            Assert.All(answered, r => Assert.Equal("Open", r.Text("Status")));
        }

        // ---- bad input fails before any network I/O ----

        [Theory]
        [InlineData(0)]
        [InlineData(-1)]
        [InlineData(65536)]
        public void Invalid_port_fails_at_parameter_binding_before_any_connection(int badPort)
        {
            using var listener = ScriptedListener.Start(ScriptedListener.Tarpit);

            var run = _fixture.PowerShell.Run("Test-SmtpPort 127.0.0.1 -Port $args[0], $args[1] -TimeoutSec 1", listener.Port, badPort);

            Assert.Equal("ParameterArgumentValidationError," + Cmdlet, Assert.Single(run.ErrorIds));
            Assert.Equal(ErrorCategory.InvalidData, run.Errors[0].CategoryInfo.Category);
            Assert.Empty(run.Output);
            Assert.Equal(0, listener.AcceptedCount);
        }

        [Fact]
        public void Invalid_port_from_the_pipeline_fails_that_record_and_the_others_carry_on()
        {
            var run = _fixture.PowerShell.Run(
                "@([pscustomobject]@{ ComputerName = 'localhost'; Port = 70000 }, [pscustomobject]@{ ComputerName = 'localhost'; Port = $args[0] }) | Test-SmtpPort -TrustedCertificate $args[1] -TimeoutSec 5",
                Server.Submissions, Server.CaFile);

            Assert.Null(run.Terminating);
            var error = Assert.Single(run.Errors);
            Assert.StartsWith("ParameterArgumentValidationError,", error.FullyQualifiedErrorId);
            var result = Assert.Single(run.Output);
            Assert.Equal(Server.Submissions, (int)result.Get("Port")!);
            Assert.Equal("Open", result.Text("Status"));
        }

        // ---- IPv6 ----

        [Theory]
        [InlineData("::1")]
        [InlineData("[::1]")]
        public void IPv6_loopback_is_probed_with_or_without_brackets(string computerName)
        {
            Assert.True(Server.Ipv6, "the test server listens on [::1] too");

            var result = Assert.Single(Probe(computerName, Server.Submissions).Output);

            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("ImplicitTls", result.Text("Security"));
            Assert.Equal(IPAddress.IPv6Loopback, result.Get("RemoteAddress"));
            Assert.Equal(true, result.Get("Certificate.HostNameMatches"));
        }

        // ---- pipeline ----

        [Fact]
        public void Host_names_bind_from_the_pipeline_by_value()
        {
            var run = _fixture.PowerShell.Run("'localhost', '127.0.0.1' | Test-SmtpPort -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5", Server.Submission, Server.CaFile);

            Assert.Equal(new[] { "127.0.0.1", "localhost" }, run.Output.Select(r => r.Text("ComputerName")).OrderBy(n => n));
            Assert.All(run.Output, r => Assert.Equal("StartTls", r.Text("Security")));
        }

        [Fact]
        public void Host_and_port_bind_from_the_pipeline_by_property_name()
        {
            var run = _fixture.PowerShell.Run(
                "[pscustomobject]@{ ComputerName = 'localhost'; Port = $args[0] } | Test-SmtpPort -TrustedCertificate $args[1] -TimeoutSec 5",
                Server.Submissions, Server.CaFile);

            var result = Assert.Single(run.Output);
            Assert.Equal(Server.Submissions, (int)result.Get("Port")!);
            Assert.Equal("ImplicitTls", result.Text("Security"));
        }

        [Theory]
        [InlineData("SmtpServer")]
        [InlineData("NameExchange")]
        [InlineData("HostName")]
        public void Host_binds_by_property_name_through_its_aliases(string property)
        {
            var run = _fixture.PowerShell.Run(
                $"[pscustomobject]@{{ {property} = 'localhost'; Port = $args[0] }} | Test-SmtpPort -TrustedCertificate $args[1] -TimeoutSec 5",
                Server.Submission, Server.CaFile);

            Assert.Equal("localhost", Assert.Single(run.Output).Text("ComputerName"));
        }

        [Fact]
        public void CN_is_an_alias_of_ComputerName()
        {
            var run = _fixture.PowerShell.Run("Test-SmtpPort -CN localhost -Port $args[0] -TimeoutSec 5", Server.Plain);

            Assert.Equal("PlainOnly", Assert.Single(run.Output).Text("Security"));
        }

        // ---- which port to use ----

        [Fact]
        public void Recommended_picks_implicit_TLS_over_STARTTLS_relay_and_plaintext()
        {
            var run = _fixture.PowerShell.Run(
                "Test-SmtpPort localhost -Port $args[0], $args[1], $args[2], $args[3] -Recommended -TrustedCertificate $args[4] -TimeoutSec 5",
                Server.Plain, Server.Relay, Server.Submission, Server.Submissions, Server.CaFile);

            Assert.Empty(run.Errors);
            var recommendation = Assert.Single(run.Output);
            Assert.Equal("SmtpTools.SmtpSubmissionRecommendation", recommendation.TypeName());
            Assert.Equal("localhost", recommendation.Text("ComputerName"));
            Assert.Equal(Server.Submissions, (int)recommendation.Get("Port")!);
            Assert.Equal("ImplicitTls", recommendation.Text("Security"));
            Assert.Equal("Preferred", recommendation.Text("Rating"));
            Assert.StartsWith("Implicit TLS", recommendation.Text("Reason"));
            Assert.Equal(4, recommendation.Texts("RankedEndpoints").Length);
        }

        [Fact]
        public void Recommended_falls_back_to_STARTTLS_with_AUTH_when_there_is_no_implicit_TLS()
        {
            var run = _fixture.PowerShell.Run(
                "Test-SmtpPort localhost -Port $args[0], $args[1], $args[2] -Recommended -TrustedCertificate $args[3] -TimeoutSec 5",
                Server.Plain, Server.Relay, Server.Submission, Server.CaFile);

            var recommendation = Assert.Single(run.Output);
            Assert.Equal(Server.Submission, (int)recommendation.Get("Port")!);
            Assert.Equal("StartTls", recommendation.Text("Security"));
        }

        [Fact]
        public void Recommended_endpoint_flows_into_Send_SecureMail_which_sends_through_it()
        {
            var marker = "tsp-" + Guid.NewGuid().ToString("N");

            var run = _fixture.PowerShell.Run(
                "$cred = [pscredential]::new($args[0], [System.Net.NetworkCredential]::new('', $args[1]).SecurePassword); " +
                "Test-SmtpPort localhost -Port $args[2], $args[3], $args[4] -Recommended -TrustedCertificate $args[5] -TimeoutSec 5 | " +
                "Send-SecureMail -From $args[0] -To $args[0] -Subject $args[6] -Body 'which port?' -Credential $cred -TrustedCertificate $args[5] -PassThru",
                Server.User, Server.Password, Server.Plain, Server.Submission, Server.Submissions, Server.CaFile, marker);

            Assert.Empty(run.Errors);
            var sent = Assert.Single(run.Output);
            Assert.Equal("SmtpTools.SmtpSendResult", sent.TypeName());
            Assert.Equal(Server.Submissions, (int)sent.Get("Port")!);
            Assert.Equal("ImplicitTls", sent.Text("Security"));
            Assert.NotNull(Server.WaitForMessage(Server.User, marker));
        }

        [Fact]
        public void Recommended_writes_an_error_and_nothing_else_when_no_port_is_fit_for_submission()
        {
            var closed = FreePort();

            var run = _fixture.PowerShell.Run("Test-SmtpPort localhost -Port $args[0], $args[1] -Recommended -TimeoutSec 5", Server.Plain, closed);

            Assert.Empty(run.Output);
            var error = Assert.Single(run.Errors);
            Assert.Equal("SmtpTools.NoSubmissionEndpoint," + Cmdlet, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.ResourceUnavailable, error.CategoryInfo.Category);
            Assert.Contains("Insecure", error.ErrorDetails!.Message);
            Assert.Contains(closed.ToString(), error.ErrorDetails!.Message);
        }

        [Fact]
        public void Recommended_for_an_unresolvable_host_gives_only_the_name_error()
        {
            var run = _fixture.PowerShell.Run("Test-SmtpPort no-such-host.invalid -Recommended -TimeoutSec 5");

            Assert.Empty(run.Output);
            Assert.Equal("SmtpTools.NameNotResolved," + Cmdlet, Assert.Single(run.ErrorIds));
        }

        // ---- misconfigurations are reported as what they are ----

        [Theory]
        [InlineData(465, "submission", "StartTls")]
        [InlineData(587, "submissions", "ImplicitTls")]
        public void Registered_port_speaking_the_other_mode_is_reported_as_a_misconfiguration(int registeredPort, string serverPortName, string security)
        {
            using var forwarder = ForwardFromRegisteredPort(registeredPort, Server.Ports[serverPortName]);

            var result = Assert.Single(Probe("localhost", registeredPort).Output);

            Assert.Equal(security, result.Text("Security"));
            Assert.Contains(result.Texts("Notes"), n => n.StartsWith($"Misconfigured: port {registeredPort}"));
            Assert.Contains($"Misconfigured: port {registeredPort}", result.Text("RatingReason"));
        }

        // ---- sweeps ----

        [Fact]
        public void Sweep_of_many_silent_endpoints_takes_about_one_timeout_not_one_per_endpoint()
        {
            const int timeoutSec = 2;
            var tarpits = Enumerable.Range(0, 20).Select(_ => ScriptedListener.Start(ScriptedListener.Tarpit)).ToList();
            try
            {
                var watch = Stopwatch.StartNew();
                var run = _fixture.PowerShell.Run("Test-SmtpPort 127.0.0.1 -Port $args[0] -TimeoutSec $args[1]", tarpits.Select(t => t.Port).ToArray(), timeoutSec);
                watch.Stop();

                Assert.Equal(20, run.Output.Count);
                Assert.All(run.Output, r => Assert.Equal("NoResponse", r.Text("Status")));
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3 * timeoutSec), $"20 silent endpoints took {watch.Elapsed.TotalSeconds:0.0} s: probes are not concurrent");
            }
            finally
            {
                tarpits.ForEach(t => t.Dispose());
            }
        }

        [Fact]
        public void Sweep_reports_progress_as_completed_of_total_and_names_what_is_pending()
        {
            var run = Probe("localhost", Server.Plain, Server.Relay, Server.Submission);

            var statuses = run.Progress.Where(p => p.RecordType == ProgressRecordType.Processing).Select(p => p.StatusDescription).ToList();
            Assert.Contains("3 of 3 endpoints probed", statuses);
            // Until the last one, each report names what is still awaited.
            Assert.Contains(run.Progress, p => p.CurrentOperation != null && p.CurrentOperation.StartsWith("waiting for localhost:", StringComparison.Ordinal));
            Assert.Equal(ProgressRecordType.Completed, run.Progress.Last().RecordType);
        }

        [Fact]
        public void Results_stream_as_they_complete_unless_input_order_is_asked()
        {
            using var slow = ScriptedListener.Start(ScriptedListener.Tarpit);
            var fast = FreePort();

            var asCompleted = _fixture.PowerShell.Run("Test-SmtpPort 127.0.0.1 -Port $args[0], $args[1] -TimeoutSec 1", slow.Port, fast);
            var inInputOrder = _fixture.PowerShell.Run("Test-SmtpPort 127.0.0.1 -Port $args[0], $args[1] -TimeoutSec 1 -InputOrder", slow.Port, fast);

            Assert.Equal(new[] { fast, slow.Port }, asCompleted.Output.Select(r => (int)r.Get("Port")!));
            Assert.Equal(new[] { slow.Port, fast }, inInputOrder.Output.Select(r => (int)r.Get("Port")!));
        }

        [Fact]
        public void Verbose_shows_a_swaks_style_transcript_per_endpoint()
        {
            var run = _fixture.PowerShell.Run("Test-SmtpPort localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -Verbose", Server.Submission, Server.CaFile);

            var prefix = $"[localhost:{Server.Submission}] ";
            Assert.Contains(run.Verbose, v => v.StartsWith(prefix + "<- 220 mail.smtptools.test"));
            Assert.Contains(run.Verbose, v => v == prefix + " -> STARTTLS");
            Assert.Contains(run.Verbose, v => v.StartsWith(prefix + "=== TLS started with"));
            Assert.Contains(run.Verbose, v => v.StartsWith(prefix + " ~> EHLO"));
        }

        [Theory]
        [InlineData("$VerbosePreference = 'Continue'; Test-SmtpPort localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5", true)]
        [InlineData("function Probe { [CmdletBinding()] param($p, $c) Test-SmtpPort localhost -Port $p -TrustedCertificate $c -TimeoutSec 5 }; Probe $args[0] $args[1] -Verbose", true)]
        [InlineData("$VerbosePreference = 'Continue'; Test-SmtpPort localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -Verbose:$false", false)]
        [InlineData("Test-SmtpPort localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5", false)]
        public void The_transcript_follows_the_verbose_preference_as_well_as_the_switch(string script, bool shown)
        {
            // Nothing is formatted for a verbose stream nobody reads; the preference variable, a caller's -Verbose and
            // -Verbose:$false must still be honoured as PowerShell honours them.
            var run = _fixture.PowerShell.Run(script, Server.Submission, Server.CaFile);

            Assert.Single(run.Output);
            Assert.Equal(shown, run.Verbose.Any(v => v.StartsWith($"[localhost:{Server.Submission}] ", StringComparison.Ordinal)));
        }

        // ---- views ----

        private PowerShellRun Probe(string computerName, params int[] ports) => ProbeWithin(5, computerName, ports);

        private PowerShellRun ProbeWithin(int timeoutSec, string computerName, params int[] ports) =>
            _fixture.PowerShell.Run(
                "Test-SmtpPort -ComputerName $args[0] -Port $args[1] -TrustedCertificate $args[2] -TimeoutSec $args[3]",
                computerName, ports, Server.CaFile, timeoutSec);

        // The real server behind a registered port number, to show what a port speaking the other mode looks like.
        private ScriptedListener ForwardFromRegisteredPort(int registeredPort, int serverPort)
        {
            try
            {
                return ScriptedListener.Start(ScriptedListener.ForwardTo(new IPEndPoint(IPAddress.Loopback, serverPort)), IPAddress.Loopback, registeredPort);
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw new InvalidOperationException($"This test needs 127.0.0.1:{registeredPort} free and the right to bind it (root on Linux): {e.SocketErrorCode}.", e);
            }
        }

        private static int FreePort()
        {
            using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        [Fact]
        public void A_server_that_greets_after_the_greeting_wait_is_still_found_to_be_plaintext_SMTP()
        {
            using var late = ScriptedListener.Start(ScriptedListener.LateGreeter(TimeSpan.FromSeconds(1.5)));

            var run = _fixture.PowerShell.Run("Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[0] -TimeoutSec 5", late.Port);

            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("PlainOnly", result.Text("Security"));
            Assert.Equal("220 late.example ESMTP greet pause", result.Text("Banner"));
            Assert.Equal(1000000L, (long)result.Get("ExtensionsBeforeTls.SizeLimit")!);
            Assert.Contains(result.Texts("Notes"), n => n.Contains("greets in clear only after"));
            // Two: the first connection, and the TLS handshake tried beside it after the head start, which got SMTP back.
            // One on a machine so loaded that the head start's timer ran past the greeting (still late by the clock).
            // Never a third: the first connection is kept for the greeting.
            Assert.InRange(late.AcceptedCount, 1, 2);
        }
    }
}
