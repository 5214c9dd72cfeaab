using System;
using System.Linq;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// What retries may and may not multiply (issues 13 and 18): a failure that will certainly repeat (a protocol
    /// violation, a port that speaks another security mode, a refused connection, a message larger than the server's
    /// SIZE) costs one attempt; the worst case of what is retried is said before the first connection. Attempts are
    /// counted (result, verbose "Attempt" lines, the server's connections), never timed.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class RetryBoundTests : IClassFixture<ModuleFixture>
    {
        private const string Send =
            "Send-SecureMail -From sender@fake.test -To rcpt@fake.test -Subject bound -SmtpServer 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] " +
            "-TimeoutSec 2 -RetryCount 2 -RetryDelaySec 0 -PassThru -Verbose ";

        private readonly ModuleFixture _fixture;

        public RetryBoundTests(ModuleFixture fixture) => _fixture = fixture;

        [Fact]
        public void An_empty_greeting_line_inside_implicit_TLS_is_a_protocol_error_at_once()
        {
            using var scenario = ReliabilityTally.Scenario("Send-SecureMail bound: empty greeting line inside implicit TLS");
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, ImplicitTls = true, Greeting = _ => FakeReply.Raw(new[] { (byte)'\r', (byte)'\n' }).ThenSilence() });
            var run = _fixture.PowerShell.Run(Send, server.Port, TestCertificates.Authority);

            var result = Assert.Single(run.Output);
            var attempts = (int)result.Get("Attempts")!;
            scenario.Hostile(HostileCase.BoundedConversation, attempts == 1 && RetryLines(run) == 0);
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Equal("Failed", result.Text("Status"));
            Assert.Equal(new[] { "SmtpTools.ProtocolError" }, ReliabilityChecks.Ids(run));
            Assert.Equal(1, attempts);
            Assert.Equal(0, RetryLines(run));
            Assert.Contains("greeting", result.Text("ErrorMessage"), StringComparison.OrdinalIgnoreCase);
            scenario.Survived();
        }

        [Fact]
        public void A_message_larger_than_the_advertised_SIZE_is_refused_before_MAIL()
        {
            using var scenario = ReliabilityTally.Scenario("Send-SecureMail bound: 7 KB message to a server advertising SIZE 1000");
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, Extensions = new[] { "PIPELINING", "SIZE 1000", "8BITMIME", "ENHANCEDSTATUSCODES" } });
            var run = _fixture.PowerShell.Run(Send + "-Body ('x' * 7000)", server.Port, TestCertificates.Authority);

            var result = Assert.Single(run.Output);
            var mails = server.Commands.Count(c => c.Line.StartsWith("MAIL", StringComparison.Ordinal));
            scenario.Hostile(HostileCase.BoundedConversation, mails == 0 && server.DataCommands == 0);
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Equal("Failed", result.Text("Status"));
            Assert.Equal(new[] { "SmtpTools.MessageTooLarge" }, ReliabilityChecks.Ids(run));
            Assert.Equal(0, mails);
            Assert.Equal(0, server.DataCommands);
            Assert.Equal(1, (int)result.Get("Attempts")!);
            var message = result.Text("ErrorMessage")!;
            Assert.Contains("1000 bytes", message);
            Assert.Matches(@"\b7\d{3} bytes", message);
            scenario.Survived();
        }

        [Fact]
        public void MAIL_FROM_declares_the_message_size_when_the_server_advertises_SIZE()
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good });
            var run = _fixture.PowerShell.Run(Send + "-Body 'sized'", server.Port, TestCertificates.Authority);

            Assert.Equal("Sent", Assert.Single(run.Output).Text("Status"));
            var mail = Assert.Single(server.Commands, c => c.Line.StartsWith("MAIL", StringComparison.Ordinal)).Line;
            Assert.Matches(@" SIZE=[1-9]\d*( |\z)", mail);
        }

        [Fact]
        public void A_STARTTLS_request_to_an_implicit_TLS_port_is_not_retried()
        {
            // The greeting will never come in clear: the port waits for a ClientHello.
            using var scenario = ReliabilityTally.Scenario("Send-SecureMail bound: -Security StartTls on an implicit-TLS port");
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, ImplicitTls = true });
            var run = _fixture.PowerShell.Run(Send + "-Security StartTls", server.Port, TestCertificates.Authority);

            var result = Assert.Single(run.Output);
            var attempts = (int)result.Get("Attempts")!;
            scenario.Hostile(HostileCase.BoundedConversation, attempts == 1 && RetryLines(run) == 0);
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Equal("Failed", result.Text("Status"));
            Assert.Equal(new[] { "SmtpTools.SecurityMismatch" }, ReliabilityChecks.Ids(run));
            Assert.Equal(1, attempts);
            Assert.Equal(0, RetryLines(run));
            scenario.Survived();
        }

        [Fact]
        public void A_protocol_violation_is_not_retried()
        {
            using var scenario = ReliabilityTally.Scenario("Send-SecureMail bound: mixed reply codes in every EHLO reply");
            using var server = new FakeSmtpServer(new FakeSmtpScript
            {
                Certificate = TestCertificates.Good,
                Command = (_, line) => line.StartsWith("EHLO", StringComparison.Ordinal) ? FakeReply.Say("250-fake.smtptools.test\n251 STARTTLS") : null,
            });
            var run = _fixture.PowerShell.Run(Send, server.Port, TestCertificates.Authority);

            var result = Assert.Single(run.Output);
            scenario.Hostile(HostileCase.BoundedConversation, server.Connections == 1 && RetryLines(run) == 0);
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Equal("Failed", result.Text("Status"));
            Assert.Equal(new[] { "SmtpTools.ProtocolError" }, ReliabilityChecks.Ids(run));
            Assert.Equal(1, (int)result.Get("Attempts")!);
            Assert.Equal(1, server.Connections);
            scenario.Survived();
        }

        [Fact]
        public void A_closed_port_costs_one_connection_attempt()
        {
            using var scenario = ReliabilityTally.Scenario("Send-SecureMail bound: a closed loopback port");
            var run = _fixture.PowerShell.Run(Send, ClosedLoopbackPort.Find(), TestCertificates.Authority);

            var result = Assert.Single(run.Output);
            var attempts = (int)result.Get("Attempts")!;
            scenario.Hostile(HostileCase.BoundedConversation, attempts == 1 && RetryLines(run) == 0);
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Equal("Failed", result.Text("Status"));
            Assert.Equal(new[] { "SmtpTools.ConnectionRefused" }, ReliabilityChecks.Ids(run));
            Assert.Equal(1, attempts);
            Assert.Equal(0, RetryLines(run));
            scenario.Survived();
        }

        [Fact]
        public void A_timeout_keeps_its_retries_and_the_worst_case_is_said_before_connecting()
        {
            using var scenario = ReliabilityTally.Scenario("Send-SecureMail bound: a tarpit, retried, worst case announced");
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, Greeting = _ => FakeReply.Silence });
            var run = _fixture.PowerShell.Run(
                "Send-SecureMail -From sender@fake.test -To rcpt@fake.test -Subject bound -SmtpServer 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] " +
                "-Security StartTls -TimeoutSec 1 -RetryCount 1 -RetryDelaySec 0 -PassThru -Verbose",
                server.Port, TestCertificates.Authority);

            var result = Assert.Single(run.Output);
            var worst = run.Verbose.FirstOrDefault(v => v.Contains("worst case", StringComparison.Ordinal));
            scenario.Hostile(HostileCase.BoundedConversation, worst != null && (int)result.Get("Attempts")! == 2);
            Assert.Equal(new[] { "SmtpTools.TimedOut" }, ReliabilityChecks.Ids(run));
            Assert.Equal(2, (int)result.Get("Attempts")!);
            Assert.Equal(1, RetryLines(run));
            Assert.NotNull(worst);
            Assert.Contains("2 attempts x 1 s", worst);
            Assert.True(run.Verbose.ToList().IndexOf(worst!) < run.Verbose.ToList().FindIndex(v => v.StartsWith("Attempt ", StringComparison.Ordinal)), "The worst case must be said before the first retry.");
            scenario.Survived();
        }

        [Fact]
        public void The_worst_case_counts_every_attempt_and_back_off_delay()
        {
            // -TimeoutSec 5 with the default two retries (1 s, then 2 s): 3 x 5 s + 3 s = 18 s for a stall at one step.
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good });
            var run = _fixture.PowerShell.Run(
                "Send-SecureMail -From sender@fake.test -To rcpt@fake.test -Subject bound -SmtpServer 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -Verbose",
                server.Port, TestCertificates.Authority);

            Assert.Empty(run.Errors);
            var worst = Assert.Single(run.Verbose, v => v.Contains("worst case", StringComparison.Ordinal));
            Assert.Contains("18 s", worst);
            Assert.Contains("3 attempts x 5 s", worst);
        }

        [Fact]
        public void Help_for_TimeoutSec_and_RetryCount_states_the_worst_case()
        {
            var run = _fixture.PowerShell.Run(
                "$h = Get-Help Send-SecureMail -Full; ($h.parameters.parameter | Where-Object { $_.name -in 'TimeoutSec', 'RetryCount' }) | ForEach-Object { $_.name + ': ' + (($_.description | ForEach-Object { $_.Text }) -join ' ') }");

            var texts = run.Output.Select(o => o.ToString()).ToList();
            Assert.Equal(2, texts.Count);
            Assert.All(texts, t => Assert.Contains("worst case", t));
            Assert.Contains(texts, t => t.Contains("18 s", StringComparison.Ordinal));
        }

        // The number of "Attempt N failed ...; retrying" lines: one per retry.
        private static int RetryLines(PowerShellRun run) => run.Verbose.Count(v => v.StartsWith("Attempt ", StringComparison.Ordinal) && v.Contains("retrying", StringComparison.Ordinal));
    }
}
