using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// The bad input table: each row is piped in ahead of a good one. The bad row must get one clear error and touch
    /// nothing on the network (it points at a listener that counts connections; a bad host name must not even be looked
    /// up); the good row behind it must still go through.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class BadInputTests : IClassFixture<ModuleFixture>
    {
        private const string Binding = "ParameterArgumentValidationError";

        // Send-SecureMail rows: PowerShell that changes $h, the bad row's properties (From, To, Subject, SmtpServer, Port
        // pointing at the counting listener) or replaces $h with what to pipe instead; and the error id expected.
        private static readonly Dictionary<string, (string Change, string ErrorId)> SendRows = new Dictionary<string, (string, string)>
        {
            ["malformed recipient address"] = ("$h.To = 'not an address'", "SmtpTools.InvalidAddress"),
            ["recipient without a domain"] = ("$h.To = 'bob@'", "SmtpTools.InvalidAddress"),
            ["malformed sender address"] = ("$h.From = 'alice@@fake.test'", "SmtpTools.InvalidAddress"),
            ["malformed Bcc address"] = ("$h.Bcc = 'x@'", "SmtpTools.InvalidAddress"),
            ["LF in the subject"] = ("$h.Subject = \"two`nlines\"", "SmtpTools.HeaderInjection"),
            ["CR LF in the subject with a smuggled header"] = ("$h.Subject = \"hi`r`nBcc: victim@example.com\"", "SmtpTools.HeaderInjection"),
            ["CR LF in a header value"] = ("$h.Headers = @{ 'X-Ticket' = \"1`r`nBcc: victim@example.com\" }", "SmtpTools.HeaderInjection"),
            ["LF in a header name"] = ("$h.Headers = @{ \"X-A`nBcc\" = 'victim@example.com' }", "SmtpTools.HeaderInjection"),
            ["space in a header name"] = ("$h.Headers = @{ 'X Ticket' = '1' }", "SmtpTools.InvalidHeader"),
            ["a header the cmdlet owns"] = ("$h.Headers = @{ 'Message-ID' = '<forged@example.com>' }", "SmtpTools.InvalidHeader"),
            ["missing attachment file"] = ("$h.Attachments = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'no-such-file-7f3a.pdf')", "SmtpTools.AttachmentNotFound"),
            ["a directory as attachment"] = ("$h.Attachments = [System.IO.Path]::GetTempPath()", "SmtpTools.AttachmentNotFound"),
            ["/dev/zero as attachment (never ends)"] = ("$h.Attachments = '/dev/zero'", "SmtpTools.AttachmentUnreadable"),
            ["a FIFO without a writer as attachment (open blocks)"] = (
                "$fifo = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'smtptools-fifo-' + [guid]::NewGuid()); " +
                "[System.Diagnostics.Process]::Start('mkfifo', $fifo).WaitForExit(); $h.Attachments = $fifo",
                "SmtpTools.AttachmentUnreadable"),
            ["inline image without an HTML body"] = ("$h.InlineAttachment = @{ logo = [object].Assembly.Location }", "SmtpTools.InvalidBody"),
            ["port 0"] = ("$h.Port = 0", Binding),
            ["negative port"] = ("$h.Port = -25", Binding),
            ["port above 65535"] = ("$h.Port = 65536", Binding),
            ["empty host"] = ("$h.SmtpServer = ''", "SmtpTools.NoSmtpServer"), // an empty value means not given
            ["blank host"] = ("$h.SmtpServer = '   '", "SmtpTools.NoSmtpServer"),
            ["host:port as the host"] = ("$h.SmtpServer = 'mail.example.com:587'", "SmtpTools.NameNotResolved"),
            ["URL as the host"] = ("$h.SmtpServer = 'smtp://mail.example.com'", "SmtpTools.NameNotResolved"),
            ["host name with a space"] = ("$h.SmtpServer = 'mail server.example.com'", "SmtpTools.NameNotResolved"),
            ["unencrypted without -AllowUnencrypted"] = ("$h.Security = 'None'", "SmtpTools.EncryptionRequired"),
            ["10,000 recipients"] = ("$h.To = 1..10000 | ForEach-Object { \"r$_@fake.test\" }", "SmtpTools.TooManyRecipients"),
            ["a megabyte subject"] = ("$h.Subject = 'x' * 1MB", "SmtpTools.HeaderTooLong"),
            ["malformed UTF-16 in the subject (half an emoji)"] = ("$h.Subject = 'caf' + [char]0xD83D", "SmtpTools.InvalidText"),
            ["malformed UTF-16 in the body"] = ("$h.Body = 'line' + [char]0xDC00 + 'more'", "SmtpTools.InvalidText"),
            ["malformed UTF-16 in a display name"] = ("$h.To = ('\"Bob ' + [char]0xD800 + '\" <bob@fake.test>')", "SmtpTools.InvalidText"),
            ["null recipient"] = ("$h.To = $null", "SmtpTools.MissingField"),
            ["empty recipient list"] = ("$h.To = @()", "SmtpTools.MissingField"),
            ["null pipeline value"] = ("$h = $null", "InputObjectNotBound"),
            ["empty string pipeline value"] = ("$h = ''", "InputObjectNotBound"),
        };

        // Test-SmtpPort and Get-SmtpCapability rows: PowerShell that changes the bad row's ComputerName and Port (or replaces $h), and the error id expected.
        private static readonly Dictionary<string, (string Change, string ErrorId)> EndpointRows = new Dictionary<string, (string, string)>
        {
            ["port 0"] = ("$h.Port = 0", Binding),
            ["negative port"] = ("$h.Port = -1", Binding),
            ["port above 65535"] = ("$h.Port = 70000", Binding),
            ["empty host"] = ("$h.ComputerName = ''", Binding),
            ["blank host"] = ("$h.ComputerName = '  '", "SmtpTools.NameNotResolved"),
            ["host:port as the host"] = ("$h.ComputerName = 'mail.example.com:25'", "SmtpTools.NameNotResolved"),
            ["URL as the host"] = ("$h.ComputerName = 'https://mail.example.com'", "SmtpTools.NameNotResolved"),
            ["e-mail address as the host"] = ("$h.ComputerName = 'postmaster@example.com'", "SmtpTools.NameNotResolved"),
            ["host name with a line break"] = ("$h.ComputerName = \"mail`r`n.example.com\"", "SmtpTools.NameNotResolved"),
            ["host name of 300 characters"] = ("$h.ComputerName = ('a' * 60 + '.') * 5", "SmtpTools.NameNotResolved"),
            ["malformed UTF-16 in the host name"] = ("$h.ComputerName = 'mail' + [char]0xD800 + '.example.com'", "SmtpTools.NameNotResolved"),
            ["null pipeline value"] = ("$h = $null", Binding),
            ["empty string pipeline value"] = ("$h = ''", Binding),
        };

        private readonly ModuleFixture _fixture;

        public BadInputTests(ModuleFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> SendRowNames => SendRows.Keys.Select(k => new object[] { k });

        public static IEnumerable<object[]> EndpointRowNames => EndpointRows.Keys.Select(k => new object[] { k });

        [Theory]
        [MemberData(nameof(SendRowNames))]
        public void Send_SecureMail_refuses_the_row_before_any_network_IO_and_sends_the_next(string row)
        {
            var (change, errorId) = SendRows[row];
            using var scenario = ReliabilityTally.Scenario("bad input, Send-SecureMail: " + row);
            using var counting = ScriptedListener.Start(ScriptedListener.Tarpit);
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good });
            var run = _fixture.PowerShell.Run(
                "$h = @{ From = 'alice@fake.test'; To = 'bob@fake.test'; Subject = 'bad row'; SmtpServer = '127.0.0.1'; Port = $args[0] }; " +
                change + "; " +
                "$bad = if ($h -is [hashtable]) { [pscustomobject]$h } else { $h }; " +
                "$good = [pscustomobject]@{ From = 'alice@fake.test'; To = 'bob@fake.test'; Subject = 'good row'; SmtpServer = '127.0.0.1'; Port = $args[1] }; " +
                "@($bad, $good) | Send-SecureMail -TrustedCertificate $args[2] -TimeoutSec 5 -PassThru",
                counting.Port, server.Port, TestCertificates.Authority);

            var beforeIo = RefusedBeforeIo(run, counting, errorId);
            scenario.BadInput(beforeIo);
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Equal(errorId, Assert.Single(ReliabilityChecks.Ids(run)));
            Assert.True(beforeIo, "The bad row reached the network: " + string.Join(" | ", run.Errors));
            var good = Assert.Single(run.Output, r => r.Text("Subject") == "good row");
            Assert.Equal("Sent", good.Text("Status"));
            Assert.Equal(1, server.DeliveriesOf(good.Text("MessageId")!));
            Assert.Single(server.Messages);
            Assert.All(run.Output.Where(r => r.Text("Subject") != "good row"), r => Assert.Equal(0, (int)r.Get("Attempts")!));
            scenario.Survived();
        }

        [Theory]
        [MemberData(nameof(EndpointRowNames))]
        public void Test_SmtpPort_refuses_the_row_before_any_network_IO_and_probes_the_next(string row)
        {
            RefuseEndpointRowThenServeTheNext(row, "Test-SmtpPort", "Test-SmtpPort -TrustedCertificate $args[2] -TimeoutSec 5", (good, port) =>
            {
                var result = Assert.Single(good, r => r.Get("Port") is int p && p == port);
                Assert.Equal("Open", result.Text("Status"));
                Assert.Equal("StartTls", result.Text("Security"));
            });
        }

        [Theory]
        [MemberData(nameof(EndpointRowNames))]
        public void Get_SmtpCapability_refuses_the_row_before_any_network_IO_and_inspects_the_next(string row)
        {
            RefuseEndpointRowThenServeTheNext(row, "Get-SmtpCapability", "Get-SmtpCapability -TrustedCertificate $args[2] -TimeoutSec 5 -SkipTlsVersionScan", (good, port) =>
            {
                var report = Assert.Single(good);
                Assert.Equal(port, (int)report.Get("Port")!);
                Assert.Equal("StartTls", report.Text("Security"));
            });
        }

        [Theory]
        [InlineData("Send-SecureMail -From alice@fake.test -To bob@fake.test -Subject helo -SmtpServer 127.0.0.1 -Port $args[0]")]
        [InlineData("Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[0]")]
        [InlineData("Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[0] -SkipTlsVersionScan")]
        public void A_HeloName_ending_in_a_line_feed_is_refused_before_any_network_IO(string command)
        {
            using var scenario = ReliabilityTally.Scenario("bad input, -HeloName \"x`n\": " + command.Split(' ')[0]);
            using var counting = ScriptedListener.Start(ScriptedListener.Tarpit);
            var run = _fixture.PowerShell.Run(command + " -HeloName \"x`n\" -TimeoutSec 5", counting.Port);

            var beforeIo = RefusedBeforeIo(run, counting, Binding);
            scenario.BadInput(beforeIo);
            Assert.True(beforeIo, "The EHLO name with a line feed reached the network: " + string.Join(" | ", run.Errors));
            Assert.StartsWith(Binding, Assert.Single(run.ErrorIds));
            scenario.Survived();
        }

        // Pipes the bad endpoint row (aimed at a listener that only counts connections) and then a good one (a fake server
        // with a trusted certificate) into the command; checks the bad row was refused before any I/O with its own id,
        // then runs the caller's checks on what the good row produced (the scenario survives only if both hold).
        private void RefuseEndpointRowThenServeTheNext(string row, string cmdlet, string command, Action<IReadOnlyList<PSObject>, int> checkGoodRow)
        {
            var (change, errorId) = EndpointRows[row];
            using var scenario = ReliabilityTally.Scenario($"bad input, {cmdlet}: {row}");
            using var counting = ScriptedListener.Start(ScriptedListener.Tarpit);
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good });
            var run = _fixture.PowerShell.Run(
                "$h = @{ ComputerName = '127.0.0.1'; Port = $args[0] }; " +
                change + "; " +
                "$bad = if ($h -is [hashtable]) { [pscustomobject]$h } else { $h }; " +
                "@($bad, [pscustomobject]@{ ComputerName = '127.0.0.1'; Port = $args[1] }) | " + command,
                counting.Port, server.Port, TestCertificates.Authority);

            var beforeIo = RefusedBeforeIo(run, counting, errorId);
            scenario.BadInput(beforeIo);
            ReliabilityChecks.ErrorsAreActionable(run);
            Assert.Equal(errorId, Assert.Single(ReliabilityChecks.Ids(run)));
            Assert.True(beforeIo, "The bad row reached the network: " + string.Join(" | ", run.Errors));
            checkGoodRow(run.Output, server.Port);
            scenario.Survived();
        }

        // The bad row pointed at a listener that only counts connections: none may arrive. A refused host name has no
        // connection to count, so its error must say the name was never looked up (no DNS query left the machine).
        private static bool RefusedBeforeIo(PowerShellRun run, ScriptedListener counting, string errorId) =>
            counting.AcceptedCount == 0 && run.Errors.Count > 0
            && (errorId != "SmtpTools.NameNotResolved" || run.Errors.All(e => e.ToString().Contains("Nothing was looked up", StringComparison.Ordinal)));
    }
}
