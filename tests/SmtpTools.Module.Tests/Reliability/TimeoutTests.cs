using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// Servers that stall: silent, dripping a reply one byte at a time for far longer than the timeout, never finishing
    /// a TLS handshake. Every command must end within its timeout (a generous bound proves it: each stall below lasts
    /// at least a minute unless the client gives up) and say what happened.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class TimeoutTests : IClassFixture<ModuleFixture>
    {
        private const int TimeoutSec = 1;

        // A stall lasts 600 bytes x 100 ms = one minute; a client that ends within its timeout ends far sooner.
        private static readonly TimeSpan PerByte = TimeSpan.FromMilliseconds(100);
        private static readonly string Long = new string('x', 600);
        private static readonly TimeSpan DoesNotHang = TimeSpan.FromSeconds(30);

        private static readonly Dictionary<string, (Func<FakeSmtpScript> Script, string Status, string ErrorId)> SendStalls = new Dictionary<string, (Func<FakeSmtpScript>, string, string)>
        {
            ["no greeting at all (tarpit)"] = (() => Stalling(greeting: _ => FakeReply.Silence), "Failed", "SmtpTools.TimedOut"),
            ["greeting dripped byte by byte"] = (() => Stalling(greeting: _ => Dripped("220 " + Long)), "Failed", "SmtpTools.TimedOut"),
            ["endless greeting line, no line end"] = (() => Stalling(greeting: _ => EndlessLine), "Failed", "SmtpTools.ProtocolError"),
            ["EHLO reply dripped byte by byte"] = (() => Stalling(command: (_, l) => l.StartsWith("EHLO", StringComparison.Ordinal) ? Dripped("250-" + Long + "\n250 STARTTLS") : null), "Failed", "SmtpTools.TimedOut"),
            ["STARTTLS accepted, handshake never answered"] = (() => Stalling(command: (_, l) => l == "STARTTLS" ? FakeReply.Say("220 2.0.0 Ready to start TLS").ThenSilence() : null), "Failed", "SmtpTools.TimedOut"),
            ["RCPT reply dripped byte by byte"] = (() => Stalling(command: (_, l) => l.StartsWith("RCPT", StringComparison.Ordinal) ? Dripped("250 " + Long) : null), "Failed", "SmtpTools.TimedOut"),
            ["reply to the final dot dripped byte by byte"] = (() => Stalling(afterDot: (_, _) => Dripped("250 " + Long)), "OutcomeUnknown", "SmtpTools.OutcomeUnknown"),
            // Each "250-a" line comes within the timeout (0.7 s), the whole reply would take 70 s.
            ["multi-line EHLO reply inside TLS, one line every 0.7 s"] = (() => Stalling(command: (s, l) => l.StartsWith("EHLO", StringComparison.Ordinal) && s.IsTls ? Dripped(string.Join("\n", Enumerable.Repeat("250-a", 100)) + "\n250 AUTH PLAIN") : null), "Failed", "SmtpTools.TimedOut"),
        };

        private static readonly Dictionary<string, (Func<FakeSmtpScript> Script, string Status)> ProbeStalls = new Dictionary<string, (Func<FakeSmtpScript>, string)>
        {
            ["greeting dripped byte by byte"] = (() => Stalling(greeting: _ => Dripped("220 " + Long)), "NoResponse"),
            ["endless greeting line, no line end"] = (() => Stalling(greeting: _ => EndlessLine), "NotSmtp"),
            ["EHLO reply dripped byte by byte"] = (() => Stalling(command: (_, l) => l.StartsWith("EHLO", StringComparison.Ordinal) ? Dripped("250-" + Long + "\n250 STARTTLS") : null), "Open"),
            ["STARTTLS accepted, handshake never answered"] = (() => Stalling(command: (_, l) => l == "STARTTLS" ? FakeReply.Say("220 2.0.0 Ready to start TLS").ThenSilence() : null), "NoResponse"),
            ["no greeting at all (tarpit)"] = (() => Stalling(greeting: _ => FakeReply.Silence), "NoResponse"),
            ["implicit TLS port that never greets inside TLS"] = (() => new FakeSmtpScript { Certificate = TestCertificates.Good, ImplicitTls = true, Greeting = _ => FakeReply.Silence }, "NotSmtp"),
        };

        private readonly ModuleFixture _fixture;

        public TimeoutTests(ModuleFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> SendStallNames => SendStalls.Keys.Select(k => new object[] { k });

        public static IEnumerable<object[]> ProbeStallNames => ProbeStalls.Keys.Select(k => new object[] { k });

        [Theory]
        [MemberData(nameof(SendStallNames))]
        public void Send_SecureMail_ends_within_its_timeout(string stall)
        {
            var (script, status, errorId) = SendStalls[stall];
            using var scenario = ReliabilityTally.Scenario("Send-SecureMail stall: " + stall);
            using var server = new FakeSmtpServer(script());
            var watch = Stopwatch.StartNew();
            var run = _fixture.PowerShell.Run(
                "Send-SecureMail -From sender@fake.test -To rcpt@fake.test -Subject stall -SmtpServer 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec $args[2] -RetryCount 1 -RetryDelaySec 0 -PassThru",
                server.Port, TestCertificates.Authority, TimeoutSec);
            watch.Stop();

            var result = Assert.Single(run.Output);
            scenario.Lost(result.Text("Status") == "Sent" && server.DeliveriesOf(result.Text("MessageId")!) == 0 ? 1 : 0);
            scenario.Hostile(HostileCase.BoundedConversation, watch.Elapsed < DoesNotHang);
            Assert.True(watch.Elapsed < DoesNotHang, $"Send-SecureMail took {watch.Elapsed} against a server that stalls ({stall}).");
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Equal(status, result.Text("Status"));
            Assert.Equal(new[] { errorId }, ReliabilityChecks.Ids(run));
            scenario.Survived();
        }

        [Theory]
        [InlineData("-Credential $cred")]
        [InlineData("-AccessToken $cred.Password")]
        public void An_AUTH_exchange_answered_334_forever_ends_as_a_protocol_error(string authentication)
        {
            using var scenario = ReliabilityTally.Scenario("Send-SecureMail stall: every AUTH step answered 334, " + authentication.Split(' ')[0]);
            var authenticating = false;
            using var server = new FakeSmtpServer(Stalling(command: (s, l) =>
            {
                authenticating |= l.StartsWith("AUTH", StringComparison.Ordinal);
                return authenticating && !l.StartsWith("QUIT", StringComparison.Ordinal) ? FakeReply.Say("334 ") : null;
            }));
            var watch = Stopwatch.StartNew();
            var run = _fixture.PowerShell.Run(
                "$cred = [pscredential]::new('carol@fake.test', [System.Net.NetworkCredential]::new('', 'Sasl-SECRET-pw').SecurePassword); " +
                "Send-SecureMail -From sender@fake.test -To rcpt@fake.test -Subject sasl -SmtpServer 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -RetryCount 0 -PassThru " + authentication,
                server.Port, TestCertificates.Authority);
            watch.Stop();

            var rounds = server.Commands.Count(c => c.Tls);
            scenario.Hostile(HostileCase.BoundedConversation, watch.Elapsed < DoesNotHang && rounds < 20);
            Assert.True(watch.Elapsed < DoesNotHang, $"Send-SecureMail took {watch.Elapsed} against endless 334 replies.");
            Assert.InRange(rounds, 1, 20);
            Assert.Equal("Failed", Assert.Single(run.Output).Text("Status"));
            Assert.Equal(new[] { "SmtpTools.ProtocolError" }, ReliabilityChecks.Ids(run));
            scenario.Survived();
        }

        [Fact]
        public void A_QUIT_that_is_never_answered_does_not_hold_the_pipeline_or_fail_the_sent_message()
        {
            using var scenario = ReliabilityTally.Scenario("Send-SecureMail stall: QUIT never answered");
            using var server = new FakeSmtpServer(Stalling(command: (_, l) => l == "QUIT" ? FakeReply.Silence : null));
            var watch = Stopwatch.StartNew();
            var run = _fixture.PowerShell.Run(
                "Send-SecureMail -From sender@fake.test -To rcpt@fake.test -Subject quit -SmtpServer 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec $args[2] -PassThru",
                server.Port, TestCertificates.Authority, TimeoutSec);
            watch.Stop();

            Assert.True(watch.Elapsed < DoesNotHang, $"Send-SecureMail took {watch.Elapsed}.");
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("Sent", result.Text("Status"));
            Assert.Equal(1, server.DeliveriesOf(result.Text("MessageId")!));
            scenario.Survived();
        }

        [Theory]
        [MemberData(nameof(ProbeStallNames))]
        public void Test_SmtpPort_ends_within_its_timeout(string stall)
        {
            var (script, status) = ProbeStalls[stall];
            using var scenario = ReliabilityTally.Scenario("Test-SmtpPort stall: " + stall);
            using var server = new FakeSmtpServer(script());
            var watch = Stopwatch.StartNew();
            var run = _fixture.PowerShell.Run(
                "Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec $args[2]",
                server.Port, TestCertificates.Authority, TimeoutSec);
            watch.Stop();

            Assert.True(watch.Elapsed < DoesNotHang, $"Test-SmtpPort took {watch.Elapsed} against a server that stalls ({stall}).");
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Empty(run.Errors); // a stalling port is a finding, not an error
            var result = Assert.Single(run.Output);
            Assert.Equal(status, result.Text("Status"));
            Assert.False(string.IsNullOrEmpty(result.Text("ErrorMessage")) && result.Texts("Notes").Length == 0, "The result does not say what stalled.");
            scenario.Survived();
        }

        // Two megabytes of one reply line that never ends, sent at once.
        private static FakeReply EndlessLine => FakeReply.Raw(System.Text.Encoding.ASCII.GetBytes("220 " + new string('x', 2_000_000))).ThenSilence();

        [Theory]
        [MemberData(nameof(ProbeStallNames))]
        public void Get_SmtpCapability_ends_within_its_timeout(string stall)
        {
            var (script, _) = ProbeStalls[stall];
            using var scenario = ReliabilityTally.Scenario("Get-SmtpCapability stall: " + stall);
            using var server = new FakeSmtpServer(script());
            var watch = Stopwatch.StartNew();
            var run = _fixture.PowerShell.Run(
                "Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec $args[2]",
                server.Port, TestCertificates.Authority, TimeoutSec);
            watch.Stop();

            Assert.True(watch.Elapsed < DoesNotHang, $"Get-SmtpCapability took {watch.Elapsed} against a server that stalls ({stall}).");
            ReliabilityChecks.ErrorsAreActionable(run);
            // One outcome: a report (perhaps with an error about what stopped it short), or one error naming the endpoint.
            Assert.Equal(1, run.Output.Count + run.Errors.Count(e => e.TargetObject is string));
            Assert.True(run.Output.Count == 1 || run.Errors.Count == 1, "A stall without a report must be one error.");
            scenario.Survived();
        }

        private static FakeReply Dripped(string reply) => FakeReply.Say(reply).Dripped(PerByte);

        private static FakeSmtpScript Stalling(
            Func<FakeSession, FakeReply?>? greeting = null,
            Func<FakeSession, string, FakeReply?>? command = null,
            Func<FakeSession, FakeMessage, FakeReply?>? afterDot = null) => new FakeSmtpScript
            {
                Certificate = TestCertificates.Good,
                Greeting = greeting,
                Command = command,
                AfterDot = afterDot,
            };
    }
}
