using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// Send-SecureMail sends a batch of three messages through a fake server that misbehaves in one way per scenario.
    /// Whatever the fault: every message gets exactly one result, every failure one actionable error, nothing is lost
    /// (reported sent but never delivered) and nothing is delivered twice unless the user asked for it.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class SendFaultTests : IClassFixture<ModuleFixture>
    {
        private const string Sent = "Sent";
        private const string Failed = "Failed";
        private const string Unknown = "OutcomeUnknown";

        private const int LargerThanSocketBuffers = 12 * 1024 * 1024;

        private static readonly TimeSpan DoesNotHang = TimeSpan.FromSeconds(60);

        private static readonly Dictionary<string, SendFault> Faults = new Dictionary<string, SendFault>
        {
            ["well-behaved server"] = new SendFault(
                () => Tls(), new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Connections: 1),
            ["every reply byte by byte"] = new SendFault(
                () => Tls(shape: r => r.Dripped(TimeSpan.FromMilliseconds(1))), new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Connections: 1),
            ["every reply split across two packets"] = new SendFault(
                () => Tls(shape: r => r.SplitInTwo()), new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Connections: 1),
            ["4xx after the dot, then success on retry"] = new SendFault(
                () => Tls(afterDot: (_, m) => m.Number == 2 ? FakeReply.Say("451 4.3.0 Try again later") : null),
                new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Attempts: new[] { 1, 2, 1 }),
            ["4xx after the dot on every attempt"] = new SendFault(
                () => Tls(afterDot: (_, m) => m.Data.Contains("Subject: fault 2") ? FakeReply.Say("451 4.3.0 Try again later") : null),
                new[] { Sent, Failed, Sent }, new[] { 1, 0, 1 }, new[] { "SmtpTools.MessageRejected" }, Attempts: new[] { 1, 3, 1 }),
            ["5xx after the dot"] = new SendFault(
                () => Tls(afterDot: (_, m) => m.Data.Contains("Subject: fault 2") ? FakeReply.Say("554 5.7.1 Rejected by policy") : null),
                new[] { Sent, Failed, Sent }, new[] { 1, 0, 1 }, new[] { "SmtpTools.MessageRejected" }, Attempts: new[] { 1, 1, 1 }, DataCommands: 3),
            ["5xx to MAIL FROM"] = new SendFault(
                () => Tls(command: (s, line) => line.StartsWith("MAIL", StringComparison.Ordinal) && s.MailCommands == 2 ? FakeReply.Say("553 5.7.1 Sender address rejected") : null),
                new[] { Sent, Failed, Sent }, new[] { 1, 0, 1 }, new[] { "SmtpTools.MessageRejected" }, Attempts: new[] { 1, 1, 1 }),
            ["550 for one of two recipients"] = new SendFault(
                () => Tls(command: (_, line) => line.StartsWith("RCPT TO:<nobody@", StringComparison.Ordinal) ? FakeReply.Say("550 5.1.1 User unknown") : null),
                new[] { "PartiallySent", "PartiallySent", "PartiallySent" }, new[] { 1, 1, 1 }, Enumerable.Repeat("SmtpTools.RecipientRejected", 3).ToArray(),
                Extra: "-Cc nobody@fake.test", Connections: 1),
            ["452 to a recipient once, then accepted"] = new SendFault(
                () =>
                {
                    var once = new Once();
                    return Tls(command: (_, line) => line.StartsWith("RCPT", StringComparison.Ordinal) && once.Now() ? FakeReply.Say("452 4.2.2 Mailbox full, try later") : null);
                },
                new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Attempts: new[] { 2, 1, 1 }),
            ["421 to MAIL FROM in the middle of the session"] = new SendFault(
                () => Tls(command: (s, line) => line.StartsWith("MAIL", StringComparison.Ordinal) && s.Number == 1 && s.MailCommands == 2 ? FakeReply.Say("421 4.3.2 Service shutting down").ThenHangUp() : null),
                new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Connections: 2),
            ["421 after the dot"] = new SendFault(
                () => Tls(afterDot: (_, m) => m.Number == 2 ? FakeReply.Say("421 4.3.2 Closing, try again").ThenHangUp() : null),
                new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Connections: 2),
            ["the idle connection dropped between messages"] = new SendFault(
                () => Tls(afterDot: (_, m) => m.Number == 1 ? FakeReply.Say("250 2.0.0 Ok: queued").ThenHangUp() : null),
                new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Connections: 2, Attempts: new[] { 1, 1, 1 }),
            ["drop before DATA"] = new SendFault(
                () =>
                {
                    var once = new Once();
                    return Tls(command: (s, line) => line == "DATA" && s.Server.Messages.Count == 1 && once.Now() ? FakeReply.HangUp : null);
                },
                new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Connections: 2),
            ["drop during DATA"] = new SendFault(
                () =>
                {
                    var once = new Once();
                    return Tls(dataLine: (_, _, text) => text == "Subject: fault 2" && once.Now() ? FakeReply.HangUp : null);
                },
                new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Connections: 2, Attempts: new[] { 1, 2, 1 }, BodyBytes: LargerThanSocketBuffers),
            ["drop during DATA on every attempt"] = new SendFault(
                () => Tls(dataLine: (_, _, text) => text == "Subject: fault 2" ? FakeReply.HangUp : null),
                new[] { Sent, Failed, Sent }, new[] { 1, 0, 1 }, new[] { "SmtpTools.ConnectionClosed" }, Attempts: new[] { 1, 3, 1 }, BodyBytes: LargerThanSocketBuffers),
            ["drop during DATA, noticed only after the final dot was written"] = new SendFault(
                () => Tls(dataLine: (_, _, text) => text == "Subject: fault 2" ? FakeReply.HangUp : null),
                new[] { Sent, Unknown, Sent }, new[] { 1, 0, 1 }, new[] { "SmtpTools.OutcomeUnknown" }, Attempts: new[] { 1, 1, 1 }),
            ["drop right after the final dot"] = new SendFault(
                () => Tls(afterDot: (_, m) => m.Number == 2 ? FakeReply.HangUp : null),
                new[] { Sent, Unknown, Sent }, new[] { 1, 1, 1 }, new[] { "SmtpTools.OutcomeUnknown" }, Connections: 2, DataCommands: 3),
            ["drop right after the final dot, -RetryWhenOutcomeUnknown"] = new SendFault(
                () => Tls(afterDot: (_, m) => m.Number == 2 ? FakeReply.HangUp : null),
                new[] { Sent, Sent, Sent }, new[] { 1, 2, 1 }, Extra: "-RetryWhenOutcomeUnknown", DuplicatesAsked: true, DataCommands: 4),
            ["garbage instead of the reply to the dot"] = new SendFault(
                () => Tls(afterDot: (_, m) => m.Number == 2 ? FakeReply.Raw(new byte[] { 0x16, 0x03, 0x01, 0x00, (byte)'\r', (byte)'\n' }) : null),
                new[] { Sent, Unknown, Sent }, new[] { 1, 1, 1 }, new[] { "SmtpTools.OutcomeUnknown" }, DataCommands: 3),
            ["silence after the final dot"] = new SendFault(
                () => Tls(afterDot: (_, m) => m.Number == 2 ? FakeReply.Silence : null),
                new[] { Sent, Unknown, Sent }, new[] { 1, 1, 1 }, new[] { "SmtpTools.OutcomeUnknown" }, DataCommands: 3),
            // A protocol violation would repeat: not retried, and the rest of the batch fails at once without reconnecting.
            ["garbage greeting on the first connection, not retried"] = new SendFault(
                () => Tls(greeting: s => s.Number == 1 ? FakeReply.Say("HTTP/1.1 400 Bad Request") : null),
                new[] { Failed, Failed, Failed }, new[] { 0, 0, 0 }, Enumerable.Repeat("SmtpTools.ProtocolError", 3).ToArray(), Connections: 1, Attempts: new[] { 1, 0, 0 }),
            ["421 greeting on the first connection"] = new SendFault(
                () => Tls(greeting: s => s.Number == 1 ? FakeReply.Say("421 4.3.2 Too busy, try later").ThenHangUp() : null),
                new[] { Sent, Sent, Sent }, new[] { 1, 1, 1 }, Connections: 2),
            ["554 greeting: the server refuses sessions"] = new SendFault(
                () => Tls(greeting: _ => FakeReply.Say("554 5.3.2 No SMTP service here")),
                new[] { Failed, Failed, Failed }, new[] { 0, 0, 0 }, Enumerable.Repeat("SmtpTools.CommandRejected", 3).ToArray(), Connections: 1),
            ["mixed reply codes in the EHLO reply on the first connection, not retried"] = new SendFault(
                () => Tls(command: (s, line) => line.StartsWith("EHLO", StringComparison.Ordinal) && s.Number == 1 ? FakeReply.Say("250-fake.smtptools.test\n251 STARTTLS") : null),
                new[] { Failed, Failed, Failed }, new[] { 0, 0, 0 }, Enumerable.Repeat("SmtpTools.ProtocolError", 3).ToArray(), Connections: 1),
            ["an overlong reply line to RCPT once, not retried"] = new SendFault(
                () =>
                {
                    var once = new Once();
                    return Tls(command: (s, line) => line.StartsWith("RCPT", StringComparison.Ordinal) && s.Server.Messages.Count == 1 && once.Now() ? FakeReply.Say("250 " + new string('x', 200_000)) : null);
                },
                new[] { Sent, Failed, Sent }, new[] { 1, 0, 1 }, new[] { "SmtpTools.ProtocolError" }, Attempts: new[] { 1, 1, 1 }),
            ["a reply of ten thousand continuation lines to EHLO once, not retried"] = new SendFault(
                () =>
                {
                    var once = new Once();
                    return Tls(command: (_, line) => line.StartsWith("EHLO", StringComparison.Ordinal) && once.Now() ? FakeReply.Say(string.Join("\n", Enumerable.Repeat("250-X-FLOOD", 10_000)) + "\n250 STARTTLS") : null);
                },
                new[] { Failed, Failed, Failed }, new[] { 0, 0, 0 }, Enumerable.Repeat("SmtpTools.ProtocolError", 3).ToArray(), Connections: 1),
            ["STARTTLS refused with 454"] = new SendFault(
                () => Tls(command: (_, line) => line == "STARTTLS" ? FakeReply.Say("454 4.7.0 TLS not available due to local problem") : null),
                new[] { Failed, Failed, Failed }, new[] { 0, 0, 0 }, Enumerable.Repeat("SmtpTools.StartTlsRefused", 3).ToArray(), Connections: 3, NoMailInClear: true),
            ["TLS handshake aborted by the server"] = new SendFault(
                () => Tls(command: (_, line) => line == "STARTTLS" ? FakeReply.Say("220 2.0.0 Ready to start TLS").ThenHangUp() : null),
                new[] { Failed, Failed, Failed }, new[] { 0, 0, 0 }, Enumerable.Repeat("SmtpTools.TlsHandshakeFailed", 3).ToArray(), NoMailInClear: true),
            ["garbage instead of a TLS handshake"] = new SendFault(
                () => Tls(command: (_, line) => line == "STARTTLS" ? FakeReply.Say("220 2.0.0 Ready to start TLS\nthis is not TLS at all").ThenSilence() : null),
                new[] { Failed, Failed, Failed }, new[] { 0, 0, 0 }, Enumerable.Repeat("SmtpTools.TlsHandshakeFailed", 3).ToArray(), NoMailInClear: true),
        };

        private readonly ModuleFixture _fixture;

        public SendFaultTests(ModuleFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> FaultNames => Faults.Keys.Select(k => new object[] { k });

        [Theory]
        [MemberData(nameof(FaultNames))]
        public void Every_message_of_a_batch_gets_exactly_one_outcome(string fault)
        {
            var expected = Faults[fault];
            using var scenario = ReliabilityTally.Scenario("Send-SecureMail batch: " + fault);
            using var server = new FakeSmtpServer(expected.Script());
            var watch = Stopwatch.StartNew();
            // -Security StartTls, which the fault server speaks: these faults are about each message's outcome, and the
            // counted connections must be the batch's sessions. Found by behaviour (Auto), a greeting slower than the
            // detection's 50 ms head start adds a connection that only sends a ClientHello (once in a full run under
            // load: 3 connections for 2 sessions); asked for STARTTLS, only one later than 250 ms does (seen in CI on a
            // slow day), so such connections are not counted as sessions.
            var run = _fixture.PowerShell.Run(
                "$large = 'a line of message text for the fault server to read' * $args[2]; " +
                "$rows = 1..3 | ForEach-Object { [pscustomobject]@{ Subject = \"fault $_\"; Body = \"line one`nline two`n$(if ($_ -eq 2) { $large })`nline four\" } }; " +
                "$rows | Send-SecureMail -From sender@fake.test -To rcpt@fake.test -SmtpServer 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] " +
                "-Security StartTls -TimeoutSec 3 -RetryDelaySec 0 -PassThru " + expected.Extra,
                server.Port, TestCertificates.Authority, expected.BodyBytes / 52);
            watch.Stop();

            var results = run.Output.Where(o => o.TypeName() == "SmtpTools.SmtpSendResult").ToList();
            var subjects = results.Select(r => r.Text("Subject")).ToList();
            var deliveries = results.Select(r => server.DeliveriesOf(r.Text("MessageId")!)).ToList();
            scenario.Lost(Enumerable.Range(1, 3).Count(i => !subjects.Contains("fault " + i))
                + results.Count(r => r.Text("Status")!.EndsWith("Sent", StringComparison.Ordinal) && server.DeliveriesOf(r.Text("MessageId")!) == 0));
            scenario.Duplicated(expected.DuplicatesAsked ? 0 : deliveries.Count(d => d > 1));

            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.True(watch.Elapsed < DoesNotHang, $"The batch took {watch.Elapsed}.");
            Assert.Equal(new[] { "fault 1", "fault 2", "fault 3" }, subjects);
            Assert.Equal(expected.Statuses, results.Select(r => r.Text("Status")).ToArray());
            Assert.Equal(expected.Deliveries, deliveries.ToArray());
            Assert.Equal(expected.ErrorIds, ReliabilityChecks.Ids(run));
            if (expected.Attempts != null)
            {
                Assert.Equal(expected.Attempts, results.Select(r => (int)r.Get("Attempts")!).ToArray());
            }

            if (expected.Connections != null)
            {
                Assert.Equal(expected.Connections, server.Connections - server.ConnectionsOpenedWithTlsHandshake);
            }

            if (expected.DataCommands != null)
            {
                Assert.Equal(expected.DataCommands, server.DataCommands);
            }

            if (expected.NoMailInClear)
            {
                Assert.DoesNotContain(server.Commands, c => c.Line.StartsWith("MAIL", StringComparison.Ordinal) || c.Line.StartsWith("AUTH", StringComparison.Ordinal));
            }

            scenario.Survived();
        }

        private static FakeSmtpScript Tls(
            Func<FakeSession, FakeReply?>? greeting = null,
            Func<FakeSession, string, FakeReply?>? command = null,
            Func<FakeSession, int, string, FakeReply?>? dataLine = null,
            Func<FakeSession, FakeMessage, FakeReply?>? afterDot = null,
            Func<FakeReply, FakeReply>? shape = null) => new FakeSmtpScript
            {
                Certificate = TestCertificates.Good,
                // A limit above the 12 MB message of the drop-during-DATA faults, which would otherwise be refused before MAIL.
                Extensions = new[] { "PIPELINING", "SIZE 52428800", "8BITMIME", "ENHANCEDSTATUSCODES" },
                Greeting = greeting,
                Command = command,
                DataLine = dataLine,
                AfterDot = afterDot,
                Shape = shape,
            };

        /// <summary>
        /// One fault and what must come of it: each message's status and deliveries, the errors in order, and optional
        /// counts. BodyBytes makes message 2 that large: a drop is noticed while the data is still being written only
        /// when the message is larger than what the socket buffers hold; a smaller one is all written by then, and the
        /// client rightly cannot tell a drop during the data from one after the final dot (outcome unknown).
        /// </summary>
        private sealed record SendFault(
            Func<FakeSmtpScript> Script,
            string[] Statuses,
            int[] Deliveries,
            string[]? ErrorIds = null,
            string Extra = "",
            int? Connections = null,
            int[]? Attempts = null,
            int? DataCommands = null,
            bool DuplicatesAsked = false,
            bool NoMailInClear = false,
            int BodyBytes = 0)
        {
            public string[] ErrorIds { get; } = ErrorIds ?? Array.Empty<string>();
        }

        /// <summary>True the first time only: a fault that strikes once, so the retry meets a sane server.</summary>
        private sealed class Once
        {
            private int _fired;

            public bool Now() => Interlocked.Exchange(ref _fired, 1) == 0;
        }
    }
}
