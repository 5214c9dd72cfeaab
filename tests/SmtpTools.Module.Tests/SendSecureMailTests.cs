using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using MimeKit;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>Send-SecureMail against the real Postfix: what it refuses, what arrives, and that nothing secret leaks.</summary>
    public sealed class SendSecureMailTests : IClassFixture<ModuleFixture>
    {
        // $args[0] user, $args[1] password, $args[2] CA file; the rest of the script uses $cred and $ca.
        private const string Prelude =
            "$cred = [pscredential]::new($args[0], [System.Net.NetworkCredential]::new('', $args[1]).SecurePassword); $ca = $args[2]; ";

        private readonly ModuleFixture _fixture;

        public SendSecureMailTests(ModuleFixture fixture) => _fixture = fixture;

        private TestServer Server => _fixture.Server;

        private static string NewMarker() => "sst-" + Guid.NewGuid().ToString("N");

        /// <summary>Runs a script with $cred, $ca and the extra arguments as $args[3], $args[4]...</summary>
        private PowerShellRun Send(string script, params object?[] extra) =>
            _fixture.PowerShell.Run(Prelude + script, new object?[] { Server.User, Server.Password, Server.CaFile }.Concat(extra).ToArray());

        private MimeMessage Delivered(string address, string marker, TimeSpan? timeout = null)
        {
            var file = Server.WaitForMessageFile(address, marker, timeout);
            Assert.True(file != null, $"No message with {marker} arrived for {address}.");
            return MimeMessage.Load(file!);
        }

        // Under $DebugPreference = 'Inquire' (or -Debug where pwsh still asks) every debug line waits for the user. The
        // send goes on beside the prompt, so a user who takes longer than -TimeoutSec to answer costs no timeout and no retry.
        [Fact]
        public void A_debug_prompt_the_user_is_slow_to_answer_does_not_time_out_the_attempt()
        {
            var marker = NewMarker();
            using var screen = new StringWriter();
            var host = new ScreenHost(120, screen, slowAnswer: "~> MAIL FROM", answerDelay: TimeSpan.FromSeconds(3));
            using var session = new ModuleSession(host);

            var run = session.Run(
                Prelude + "$DebugPreference = 'Inquire'; Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -Body 'slow reader' -SmtpServer localhost -Port $args[5] " +
                "-Credential $cred -TrustedCertificate $ca -TimeoutSec 1 -RetryCount 1 -PassThru",
                Server.User, Server.Password, Server.CaFile, Server.User, marker, Server.Submission);

            Assert.Equal(1, ((ConsoleUserInterface)host.UI).SlowPrompts);
            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("Sent", result.Text("Status"));
            Assert.Equal(1, (int)result.Get("Attempts")!);
            Delivered(Server.User, marker);
        }

        [Fact]
        public void Auto_on_the_submission_port_requires_STARTTLS_authenticates_and_reports_the_session()
        {
            var marker = NewMarker();
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -Body 'hello' -SmtpServer localhost -Port $args[5] -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, marker, Server.Submission);

            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("SmtpTools.SmtpSendResult", result.TypeName());
            Assert.Equal("Sent", result.Text("Status"));
            Assert.Equal("StartTls", result.Text("Security"));
            Assert.Contains(result.Text("TlsProtocol"), new[] { "Tls12", "Tls13" });
            Assert.False(string.IsNullOrEmpty(result.Text("CipherSuite")));
            Assert.Equal(Server.User, result.Text("AuthenticatedAs"));
            Assert.Equal(new[] { Server.User }, result.Texts("AcceptedRecipients"));
            Assert.Empty(result.Texts("RejectedRecipients"));
            Assert.StartsWith("2.0.0 Ok", result.Text("ServerResponse"));
            Assert.Equal(1, (int)result.Get("Attempts")!);
            Assert.True((TimeSpan)result.Get("Duration")! > TimeSpan.Zero);
            Assert.Equal("valid", result.Text("Certificate.Verdict"));

            var message = Delivered(Server.User, marker);
            Assert.Equal(result.Text("MessageId"), message.MessageId);
            Assert.Contains("TLS", message.Headers[HeaderId.Received]);
        }

        [Fact]
        public void ImplicitTls_is_spoken_from_the_first_byte_on_the_submissions_listener()
        {
            var marker = NewMarker();
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -SmtpServer localhost -Port $args[5] -Security ImplicitTls -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, marker, Server.Submissions);

            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("Sent", result.Text("Status"));
            Assert.Equal("ImplicitTls", result.Text("Security"));
            Assert.NotNull(Delivered(Server.User, marker));
        }

        [Fact]
        public void Auto_finds_implicit_TLS_by_behaviour_on_a_port_that_is_not_465_as_fast_as_Test_SmtpPort()
        {
            var marker = NewMarker();
            var run = Send(
                "Test-SmtpPort localhost -Port $args[5] -TrustedCertificate $ca; " +
                "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -SmtpServer localhost -Port $args[5] -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, marker, Server.Submissions);

            Assert.Empty(run.Errors);
            Assert.NotEqual(465, Server.Submissions);
            var probe = run.Output.Single(o => o.TypeName() == "SmtpTools.SmtpPortResult");
            var result = run.Output.Single(o => o.TypeName() == "SmtpTools.SmtpSendResult");
            Assert.Equal("ImplicitTls", probe.Text("Security"));
            Assert.Equal("Sent", result.Text("Status"));
            Assert.Equal("ImplicitTls", result.Text("Security"));
            Assert.Equal(1, (int)result.Get("Attempts")!);
            // The same detection as the probe: its greeting wait, then a handshake; AUTH and DATA cost milliseconds here.
            var detection = (TimeSpan)probe.Get("Duration")!;
            var sending = (TimeSpan)result.Get("Duration")!;
            Assert.True(sending < detection + TimeSpan.FromSeconds(1), $"Sending took {sending.TotalMilliseconds:0} ms, detection {detection.TotalMilliseconds:0} ms.");
            Assert.NotNull(Delivered(Server.User, marker));
        }

        [Theory]
        [InlineData("StartTls", "submissions", "-Security ImplicitTls", "speaks implicit TLS")]
        [InlineData("ImplicitTls", "submission", "-Security StartTls", "speaks STARTTLS")]
        public void A_security_mode_the_port_contradicts_fails_fast_naming_the_mode_it_speaks(string asked, string listener, string advice, string speaks)
        {
            const string script = "Send-SecureMail -From $args[3] -To $args[3] -Subject x -SmtpServer localhost -Port $args[4] -Security $args[5] -Credential $cred -TrustedCertificate $ca -PassThru";

            // The first TLS handshake of a process costs most of a second (JIT, crypto start-up): that is start-up, not detection.
            Send(script, Server.User, Server.Ports[listener], asked);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var run = Send(script, Server.User, Server.Ports[listener], asked);
            watch.Stop();

            var error = Assert.Single(run.Errors);
            Assert.Equal("SmtpTools.SecurityMismatch,SmtpTools.Commands.SendSecureMailCommand", error.FullyQualifiedErrorId);
            Assert.Contains(speaks, error.ToString());
            Assert.Contains(advice, error.ToString());
            Assert.Contains("Nothing was sent", error.ToString());
            var result = Assert.Single(run.Output);
            Assert.Equal("Failed", result.Text("Status"));
            Assert.Equal(1, (int)result.Get("Attempts")!); // a mismatch is never retried
            Assert.True((TimeSpan)result.Get("Duration")! < TimeSpan.FromSeconds(1), $"The mismatch took {((TimeSpan)result.Get("Duration")!).TotalMilliseconds:0} ms to find.");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"The whole command took {watch.Elapsed.TotalMilliseconds:0} ms.");
        }

        [Fact]
        public void StartTls_without_credentials_delivers_through_the_relay_listener()
        {
            var marker = NewMarker();
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[4] -Subject $args[5] -SmtpServer localhost -Port $args[6] -Security StartTls -TrustedCertificate $ca -PassThru",
                Server.User, Server.OtherUser, marker, Server.Relay);

            Assert.Empty(run.Errors);
            Assert.Equal("Sent", Assert.Single(run.Output).Text("Status"));
            Assert.NotNull(Delivered(Server.OtherUser, marker));
        }

        [Fact]
        public void None_sends_in_clear_only_when_AllowUnencrypted_says_so()
        {
            var marker = NewMarker();
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -SmtpServer localhost -Port $args[5] -Security None -AllowUnencrypted -PassThru",
                Server.User, marker, Server.Plain);

            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("Sent", result.Text("Status"));
            Assert.Equal("PlainOnly", result.Text("Security"));
            Assert.Equal("None", result.Text("TlsProtocol"));
            Assert.NotNull(Delivered(Server.User, marker));
        }

        [Fact]
        public void None_without_AllowUnencrypted_is_refused_before_connecting()
        {
            using var listener = ScriptedListener.Start(ScriptedListener.Tarpit);
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject x -SmtpServer 127.0.0.1 -Port $args[4] -Security None -PassThru",
                Server.User, listener.Port);

            Assert.Equal("SmtpTools.EncryptionRequired,SmtpTools.Commands.SendSecureMailCommand", Assert.Single(run.ErrorIds));
            Assert.Contains("-AllowUnencrypted", run.Errors[0].ToString());
            var result = Assert.Single(run.Output);
            Assert.Equal("Failed", result.Text("Status"));
            Assert.Equal(0, (int)result.Get("Attempts")!);
            Assert.Equal(0, listener.AcceptedCount);
        }

        [Fact]
        public void Credentials_with_None_are_refused_before_connecting_even_with_AllowUnencrypted()
        {
            using var listener = ScriptedListener.Start(ScriptedListener.Tarpit);
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject x -SmtpServer 127.0.0.1 -Port $args[4] -Security None -AllowUnencrypted -Credential $cred",
                Server.User, listener.Port);

            Assert.Equal("SmtpTools.EncryptionRequired,SmtpTools.Commands.SendSecureMailCommand", Assert.Single(run.ErrorIds));
            Assert.Equal(0, listener.AcceptedCount);
        }

        [Fact]
        public void Credentials_are_never_offered_to_the_plain_listener()
        {
            var log = Path.GetTempFileName();
            try
            {
                var marker = NewMarker();
                var run = Send(
                    "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -SmtpServer localhost -Port $args[5] -Credential $cred -ProtocolLog $args[6] -PassThru",
                    Server.User, marker, Server.Plain, log);

                Assert.Equal("SmtpTools.StartTlsNotOffered,SmtpTools.Commands.SendSecureMailCommand", Assert.Single(run.ErrorIds));
                Assert.Equal(System.Management.Automation.ErrorCategory.SecurityError, ErrorCategoryOf(run));
                Assert.Equal("Failed", Assert.Single(run.Output).Text("Status"));
                var transcript = File.ReadAllText(log);
                Assert.Contains("250-AUTH", transcript); // the server offered AUTH in clear...
                Assert.DoesNotContain(" -> AUTH", transcript); // ...and it was never used
                Assert.DoesNotContain("MAIL FROM", transcript);
                Assert.Null(Server.WaitForMessage(Server.User, marker, TimeSpan.FromSeconds(1)));
            }
            finally
            {
                File.Delete(log);
            }
        }

        [Fact]
        public void StartTls_required_but_not_offered_fails_without_sending()
        {
            var log = Path.GetTempFileName();
            try
            {
                var marker = NewMarker();
                var run = Send(
                    "$user = $args[3]; $subject = $args[4]; $port = $args[5]; $log = $args[6]; " +
                    "'StartTls', 'Auto' | ForEach-Object { Send-SecureMail -From $user -To $user -Subject $subject -SmtpServer localhost -Port $port -Security $_ -ProtocolLog $log -RetryCount 0 }",
                    Server.User, marker, Server.Plain, log);

                Assert.Equal(2, run.ErrorIds.Count(id => id == "SmtpTools.StartTlsNotOffered,SmtpTools.Commands.SendSecureMailCommand"));
                Assert.Contains("does not offer STARTTLS", run.Errors[0].ToString());
                Assert.DoesNotContain("MAIL FROM", File.ReadAllText(log));
                Assert.Null(Server.WaitForMessage(Server.User, marker, TimeSpan.FromSeconds(1)));
            }
            finally
            {
                File.Delete(log);
            }
        }

        [Fact]
        public void A_550_recipient_is_reported_by_address_while_the_others_get_the_message()
        {
            var marker = NewMarker();
            var nobody = "nobody@" + Server.Domain;
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3], $args[4] -Subject $args[5] -SmtpServer localhost -Port $args[6] -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, nobody, marker, Server.Submission);

            var error = Assert.Single(run.Errors);
            Assert.Equal("SmtpTools.RecipientRejected,SmtpTools.Commands.SendSecureMailCommand", error.FullyQualifiedErrorId);
            Assert.Equal(nobody, error.TargetObject);
            var result = Assert.Single(run.Output);
            Assert.Equal("PartiallySent", result.Text("Status"));
            Assert.Equal(new[] { Server.User }, result.Texts("AcceptedRecipients"));
            var rejected = Assert.Single(((System.Collections.IEnumerable)result.Get("RejectedRecipients")!).Cast<object>());
            var rejectedObject = System.Management.Automation.PSObject.AsPSObject(rejected);
            Assert.Equal(nobody, rejectedObject.Text("Address"));
            Assert.Equal(550, (int)rejectedObject.Get("ReplyCode")!);
            Assert.Contains("5.1.1", rejectedObject.Text("Response"));
            Assert.Equal(1, (int)result.Get("Attempts")!); // 5xx is not retried
            Assert.NotNull(Delivered(Server.User, marker));
        }

        [Fact]
        public void The_message_arrives_as_composed_headers_both_bodies_inline_image_and_attachments()
        {
            var marker = NewMarker();
            var dir = Directory.CreateTempSubdirectory("sst-");
            try
            {
                var report = Path.Combine(dir.FullName, "report.csv");
                File.WriteAllText(report, "name,value\r\nä,1\r\n");
                var binary = Path.Combine(dir.FullName, "data.bin");
                File.WriteAllBytes(binary, RandomNumberGenerator.GetBytes(100_000));
                var logo = Path.Combine(dir.FullName, "logo.png");
                File.WriteAllBytes(logo, RandomNumberGenerator.GetBytes(2048));

                var run = Send(
                    "Send-SecureMail -From 'Alice Ops <alice@smtptools.test>' -To $args[3] -Cc $args[4] -ReplyTo 'noreply@smtptools.test' " +
                    "-Subject ('Grüße ' + $args[5]) -Body 'plain text body' -HtmlBody '<p>html body <img src=\"cid:logo\"></p>' " +
                    "-InlineAttachment @{ logo = $args[8] } -Attachments $args[6], $args[7] -Headers @{ 'X-Ticket' = '4711' } -Priority High " +
                    "-SmtpServer localhost -Port $args[9] -Credential $cred -TrustedCertificate $ca -PassThru",
                    Server.User, Server.OtherUser, marker, report, binary, logo, Server.Submission);

                Assert.Empty(run.Errors);
                var message = Delivered(Server.OtherUser, marker);
                Assert.Equal("Grüße " + marker, message.Subject);
                Assert.Equal("Alice Ops", message.From.Mailboxes.Single().Name);
                Assert.Equal(Server.User, message.To.Mailboxes.Single().Address);
                Assert.Equal(Server.OtherUser, message.Cc.Mailboxes.Single().Address);
                Assert.Equal("noreply@smtptools.test", message.ReplyTo.Mailboxes.Single().Address);
                Assert.Equal("4711", message.Headers["X-Ticket"]);
                Assert.Equal("1 (Highest)", message.Headers[HeaderId.XPriority]);
                Assert.Equal("high", message.Headers[HeaderId.Importance]);
                Assert.Equal("plain text body", message.TextBody?.Trim());
                Assert.Contains("html body", message.HtmlBody);
                var alternative = Assert.IsType<MultipartAlternative>(((Multipart)message.Body!)[0]);

                // The HTML part once, then its inline image: multipart/related holds nothing twice.
                var related = Assert.IsType<MultipartRelated>(alternative[1]);
                Assert.Equal(new[] { "text/html", "image/png" }, related.Select(p => p.ContentType.MimeType).ToArray());

                var inline = message.BodyParts.OfType<MimePart>().Single(p => p.ContentId == "logo");
                Assert.Equal(File.ReadAllBytes(logo), Decode(inline));
                var attachments = message.Attachments.OfType<MimePart>().ToDictionary(p => p.FileName ?? string.Empty);
                Assert.Equal(File.ReadAllBytes(report), Decode(attachments["report.csv"]));
                Assert.Equal(File.ReadAllBytes(binary), Decode(attachments["data.bin"]));
            }
            finally
            {
                dir.Delete(true);
            }
        }

        [Fact]
        public void Bcc_recipients_receive_the_message_without_any_Bcc_header()
        {
            var marker = NewMarker();
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Bcc $args[4] -Subject $args[5] -SmtpServer localhost -Port $args[6] -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, Server.OtherUser, marker, Server.Submission);

            Assert.Empty(run.Errors);
            Assert.Contains(Server.OtherUser, Assert.Single(run.Output).Texts("AcceptedRecipients"));
            var copy = Delivered(Server.OtherUser, marker);
            Assert.Null(copy.Headers[HeaderId.Bcc]);
            Assert.Empty(copy.Bcc);
            Assert.Equal(new[] { Server.User }, copy.To.Mailboxes.Select(m => m.Address).ToArray());
            Assert.Empty(copy.Cc);
        }

        [Fact]
        public void An_attachment_of_tens_of_megabytes_arrives_byte_identical()
        {
            var marker = NewMarker();
            var file = Path.Combine(Path.GetTempPath(), marker + ".bin");
            try
            {
                using (var stream = File.Create(file))
                {
                    var chunk = new byte[1024 * 1024];
                    for (var i = 0; i < 40; i++)
                    {
                        RandomNumberGenerator.Fill(chunk);
                        stream.Write(chunk);
                    }
                }

                var run = Send(
                    "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -Body 'big' -Attachments $args[5] -SmtpServer localhost -Port $args[6] -Credential $cred -TrustedCertificate $ca -TimeoutSec 60 -PassThru",
                    Server.User, marker, file, Server.Submission);

                Assert.Empty(run.Errors);
                Assert.Equal("Sent", Assert.Single(run.Output).Text("Status"));
                var message = Delivered(Server.User, marker, TimeSpan.FromSeconds(60));
                var part = message.Attachments.OfType<MimePart>().Single();
                using var decoded = new MemoryStream();
                part.Content!.DecodeTo(decoded);
                using var original = File.OpenRead(file);
                Assert.Equal(original.Length, decoded.Length);
                Assert.Equal(SHA256.HashData(original), SHA256.HashData(decoded.ToArray()));
            }
            finally
            {
                File.Delete(file);
            }
        }

        [Fact]
        public void A_hundred_messages_from_csv_like_rows_share_one_connection()
        {
            var marker = NewMarker();
            var run = Send(
                "$user = $args[3]; $marker = $args[4]; " +
                "$rows = 1..100 | ForEach-Object { [pscustomobject]@{ To = $user; Subject = ('row ' + $_ + ' ' + $marker); Body = ('line ' + $_) } }; " +
                "$rows | Send-SecureMail -From $args[3] -SmtpServer localhost -Port $args[5] -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, marker, Server.Submission);

            Assert.Empty(run.Errors);
            Assert.Equal(100, run.Output.Count);
            Assert.All(run.Output, r => Assert.Equal("Sent", r.Text("Status")));
            Assert.NotEmpty(run.Progress);

            // Postfix logs one "disconnect from" per connection with its command counts: the session that queued
            // these messages must have carried all hundred MAIL commands.
            var ids = run.Output.Select(r => r.Text("MessageId")!).ToHashSet();
            var summary = WaitForLog(lines =>
            {
                var queueIds = lines.Select(l => QueueIdOfMessage(l, ids)).Where(q => q != null).ToHashSet();
                var pids = lines.Where(l => l.Contains("/smtpd[") && queueIds.Any(q => l.Contains(": " + q + ": client="))).Select(SmtpdPid).Distinct().ToList();
                if (queueIds.Count < 100 || pids.Count != 1)
                {
                    return null;
                }

                var lastClientLine = lines.FindLastIndex(l => l.Contains("/smtpd[" + pids[0] + "]") && queueIds.Any(q => l.Contains(": " + q + ": client=")));
                return lines.Skip(lastClientLine).FirstOrDefault(l => l.Contains("/smtpd[" + pids[0] + "]: disconnect from"));
            });
            Assert.True(summary != null, "The log shows the 100 messages spread over several smtpd sessions, or no disconnect line.");
            Assert.Contains(" mail=100 ", summary + " ");
            Assert.Contains(" auth=1 ", summary);
        }

        [Fact]
        public void Bad_input_fails_before_any_connection_and_the_batch_carries_on()
        {
            using var listener = ScriptedListener.Start(ScriptedListener.Tarpit);
            var run = Send(
                "@([pscustomobject]@{ To = 'not an address'; Subject = 'one' }, " +
                "  [pscustomobject]@{ To = $args[3]; Subject = 'two'; Attachments = '/nonexistent/file.pdf' }, " +
                "  [pscustomobject]@{ To = $args[3]; Subject = 'three'; Headers = @{ 'X-Evil' = \"a`r`nBcc: victim@example.com\" } }, " +
                "  [pscustomobject]@{ To = $args[3]; Subject = \"two`nlines\" }) | " +
                "Send-SecureMail -From $args[3] -SmtpServer 127.0.0.1 -Port $args[4] -PassThru",
                Server.User, listener.Port);

            Assert.Equal(
                new[] { "SmtpTools.InvalidAddress", "SmtpTools.AttachmentNotFound", "SmtpTools.HeaderInjection", "SmtpTools.HeaderInjection" },
                run.ErrorIds.Select(id => id.Split(',')[0]).ToArray());
            Assert.Equal(4, run.Output.Count);
            Assert.All(run.Output, r => Assert.Equal("Failed", r.Text("Status")));
            Assert.Equal(0, listener.AcceptedCount);
        }

        [Fact]
        public void A_directory_given_as_attachment_is_refused()
        {
            using var listener = ScriptedListener.Start(ScriptedListener.Tarpit);
            var run = Send("Send-SecureMail -From $args[3] -To $args[3] -Attachments ([System.IO.Path]::GetTempPath()) -SmtpServer 127.0.0.1 -Port $args[4]", Server.User, listener.Port);

            Assert.Equal("SmtpTools.AttachmentNotFound", run.ErrorIds.Single().Split(',')[0]);
            Assert.Contains("is a directory", run.Errors[0].ToString());
            Assert.Equal(0, listener.AcceptedCount);
        }

        [Fact]
        public void A_valid_row_after_an_invalid_one_is_still_sent()
        {
            var marker = NewMarker();
            var run = Send(
                "@([pscustomobject]@{ To = 'broken@'; Subject = 'x' }, [pscustomobject]@{ To = $args[3]; Subject = $args[4] }) | " +
                "Send-SecureMail -From $args[3] -SmtpServer localhost -Port $args[5] -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, marker, Server.Submission);

            Assert.Equal("SmtpTools.InvalidAddress", run.ErrorIds.Single().Split(',')[0]);
            Assert.Equal(new[] { "Failed", "Sent" }, run.Output.Select(r => r.Text("Status")).ToArray());
            Assert.NotNull(Delivered(Server.User, marker));
        }

        [Fact]
        public void WhatIf_opens_no_connection()
        {
            using var listener = ScriptedListener.Start(ScriptedListener.Tarpit);
            var run = Send("Send-SecureMail -From $args[3] -To $args[3] -Subject x -SmtpServer 127.0.0.1 -Port $args[4] -Credential $cred -WhatIf -PassThru", Server.User, listener.Port);

            Assert.Empty(run.Errors);
            Assert.Empty(run.Output);
            Assert.Equal(0, listener.AcceptedCount);
        }

        [Fact]
        public void The_confirmation_text_names_recipients_server_and_security()
        {
            var marker = NewMarker();
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[4] -Subject $args[5] -SmtpServer localhost -Port $args[6] -Credential $cred -TrustedCertificate $ca -Verbose",
                Server.User, Server.OtherUser, marker, Server.Submission);

            Assert.Empty(run.Errors);
            var line = run.Verbose.First(v => v.StartsWith("Send message", StringComparison.Ordinal));
            Assert.Contains(Server.OtherUser, line);
            Assert.Contains($"localhost:{Server.Submission}", line);
            Assert.Contains("TLS required (implicit or STARTTLS, as the port speaks), TLS 1.2 or later, certificate verified", line);
            Assert.Contains(run.Verbose, v => v.StartsWith("Connected to localhost", StringComparison.Ordinal) && v.Contains("Tls1"));
            Assert.Contains(run.Verbose, v => v.StartsWith("Authenticated as " + Server.User, StringComparison.Ordinal));
            Assert.Contains(run.Verbose, v => v.Contains(": Sent, 1 accepted", StringComparison.Ordinal));
        }

        // A send with no reader of verbose or debug lines runs without the pump; $VerbosePreference in the caller's
        // scope (a script's, or a function's -Verbose) is a reader as much as -Verbose on the command itself.
        [Fact]
        public void VerbosePreference_in_the_callers_scope_gets_the_session_lines_as_Verbose_does()
        {
            var marker = NewMarker();
            var run = Send(
                "function Send-Report { [CmdletBinding()] param($to, $subject, $port) Send-SecureMail -From $to -To $to -Subject $subject -SmtpServer localhost -Port $port -Credential $cred -TrustedCertificate $ca }; " +
                "Send-Report $args[3] $args[4] $args[5] -Verbose; " +
                "$VerbosePreference = 'Continue'; Send-SecureMail -From $args[3] -To $args[3] -Subject ($args[4] + ' quiet') -SmtpServer localhost -Port $args[5] -Credential $cred -TrustedCertificate $ca -Verbose:$false",
                Server.User, marker, Server.Submission);

            Assert.Empty(run.Errors);
            Assert.Single(run.Verbose, v => v.StartsWith("Authenticated as " + Server.User, StringComparison.Ordinal));
            Assert.Single(run.Verbose, v => v.Contains(": Sent, 1 accepted", StringComparison.Ordinal));
            Assert.NotNull(Delivered(Server.User, marker + " quiet"));
        }

        // Rows share the options of the row before when they name the same endpoint: a row naming another one still goes there.
        [Fact]
        public void Rows_that_name_another_endpoint_each_go_to_their_own()
        {
            var marker = NewMarker();
            var run = Send(
                "$rows = @([pscustomobject]@{ Port = $args[5]; Subject = 'a' }, [pscustomobject]@{ Port = $args[6]; Security = 'ImplicitTls'; Subject = 'b' }, [pscustomobject]@{ Port = $args[5]; Subject = 'c' }); " +
                "$rows | Send-SecureMail -From $args[3] -To $args[3] -Body $args[4] -SmtpServer localhost -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, marker, Server.Submission, Server.Submissions);

            Assert.Empty(run.Errors);
            Assert.Equal(new[] { Server.Submission, Server.Submissions, Server.Submission }, run.Output.Select(r => (int)r.Get("Port")!).ToArray());
            Assert.Equal(new[] { "StartTls", "ImplicitTls", "StartTls" }, run.Output.Select(r => r.Text("Security")).ToArray());
            Assert.All(run.Output, r => Assert.Equal("Sent", r.Text("Status")));
        }

        [Fact]
        public void Test_SmtpPort_style_objects_bind_server_port_and_security()
        {
            var marker = NewMarker();
            var run = Send(
                "[pscustomobject]@{ ComputerName = 'localhost'; Port = $args[5]; Security = 'ImplicitTls' } | " +
                "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, marker, Server.Submissions);

            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("ImplicitTls", result.Text("Security"));
            Assert.Equal(Server.Submissions, (int)result.Get("Port")!);
            Assert.NotNull(Delivered(Server.User, marker));
        }

        [Fact]
        public void Test_SmtpPort_output_pipes_into_Send_SecureMail()
        {
            var marker = NewMarker();
            var run = Send(
                "Test-SmtpPort -ComputerName localhost -Port $args[5] -TrustedCertificate $ca | " +
                "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, marker, Server.Submissions);

            Assert.Empty(run.Errors);
            var result = run.Output.Single(o => o.TypeName() == "SmtpTools.SmtpSendResult");
            Assert.Equal("ImplicitTls", result.Text("Security"));
            Assert.NotNull(Delivered(Server.User, marker));
        }

        [Fact]
        public void A_PlainOnly_verdict_from_Test_SmtpPort_binds_as_None_and_still_needs_AllowUnencrypted()
        {
            var marker = NewMarker();
            var run = Send(
                "Test-SmtpPort -ComputerName localhost -Port $args[5] | Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -PassThru",
                Server.User, marker, Server.Plain);

            Assert.Equal("SmtpTools.EncryptionRequired", run.ErrorIds.Single().Split(',')[0]);
            Assert.Equal("Unknown", run.Output.Single(o => o.TypeName() == "SmtpTools.SmtpSendResult").Text("Security")); // refused before connecting
            Assert.Null(Server.WaitForMessage(Server.User, marker, TimeSpan.FromSeconds(1)));
        }

        [Fact]
        public void PSEmailServer_is_the_default_server()
        {
            var marker = NewMarker();
            var run = Send(
                "$PSEmailServer = 'localhost'; Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -Port $args[5] -Credential $cred -TrustedCertificate $ca -PassThru",
                Server.User, marker, Server.Submission);

            Assert.Empty(run.Errors);
            Assert.Equal("localhost", Assert.Single(run.Output).Text("SmtpServer"));
            Assert.NotNull(Delivered(Server.User, marker));
        }

        [Fact]
        public void RequireTls_fails_clearly_when_the_server_does_not_offer_REQUIRETLS()
        {
            var marker = NewMarker();
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -SmtpServer localhost -Port $args[5] -Credential $cred -TrustedCertificate $ca -RequireTls -PassThru",
                Server.User, marker, Server.Submission);

            Assert.Equal("SmtpTools.ExtensionNotSupported", run.ErrorIds.Single().Split(',')[0]);
            Assert.Contains("REQUIRETLS", run.Errors[0].ToString());
            Assert.Equal("Failed", Assert.Single(run.Output).Text("Status"));
            Assert.Null(Server.WaitForMessage(Server.User, marker, TimeSpan.FromSeconds(1)));
        }

        // The certificate tests name the server by address: .NET resumes TLS sessions per host name, and the test
        // server shares its ticket keys across listeners, so a "localhost" session from a good listener would be
        // resumed on a bad one and the certificate judged would be the earlier one. Addresses are never resumed.
        [Fact]
        public void A_certificate_for_another_host_is_rejected()
        {
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject x -SmtpServer 127.0.0.1 -Port $args[4] -Security ImplicitTls -TrustedCertificate $ca -PassThru",
                Server.User, Server.Ports["wrongHost"]);

            Assert.Equal("SmtpTools.CertificateRejected", run.ErrorIds.Single().Split(',')[0]);
            Assert.Contains("wrong host", run.Errors[0].ToString());
            Assert.Equal("Failed", Assert.Single(run.Output).Text("Status"));
        }

        [Fact]
        public void A_certificate_with_an_RSA_1024_key_is_refused_before_the_credential_is_sent()
        {
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject x -SmtpServer 127.0.0.1 -Port $args[4] -Security ImplicitTls -Credential $cred -TrustedCertificate $ca -RetryCount 0 -PassThru",
                Server.User, Server.Ports["weakKey"]);

            Assert.Equal("SmtpTools.CertificateRejected", run.ErrorIds.Single().Split(',')[0]);
            Assert.Contains("weak key (RSA 1024)", run.Errors[0].ToString());
            Assert.Contains("-SkipCertificateStrengthCheck", run.Errors[0].ToString());
            Assert.Equal("Failed", Assert.Single(run.Output).Text("Status"));
        }

        [Fact]
        public void SkipCertificateStrengthCheck_sends_through_an_RSA_1024_certificate_and_warns()
        {
            var marker = NewMarker();
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[5] -SmtpServer 127.0.0.1 -Port $args[4] -Security ImplicitTls -Credential $cred -TrustedCertificate $ca -SkipCertificateStrengthCheck -PassThru",
                Server.User, Server.Ports["weakKey"], marker);

            Assert.Empty(run.Errors);
            Assert.Equal("Sent", Assert.Single(run.Output).Text("Status"));
            Assert.Contains(run.Warnings, w => w.Contains("-SkipCertificateStrengthCheck"));
            Delivered(Server.User, marker);
        }

        [Fact]
        public void A_pinned_thumbprint_accepts_a_self_signed_server()
        {
            var marker = NewMarker();
            var thumbprint = LeafOf(Path.Combine(Server.StateDirectory, "certs", "self-signed-chain.pem")).GetCertHashString(HashAlgorithmName.SHA256);
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -SmtpServer 127.0.0.1 -Port $args[5] -Security ImplicitTls -CertificateThumbprint $args[6] -PassThru",
                Server.User, marker, Server.Ports["selfSigned"], thumbprint);

            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("Sent", result.Text("Status"));
            Assert.Equal(true, result.Get("Certificate.IsPinned"));
        }

        [Fact]
        public void SkipCertificateCheck_sends_but_warns_loudly()
        {
            var marker = NewMarker();
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject $args[4] -SmtpServer 127.0.0.1 -Port $args[5] -Security ImplicitTls -SkipCertificateCheck -PassThru -Verbose",
                Server.User, marker, Server.Ports["selfSigned"]);

            Assert.Empty(run.Errors);
            Assert.Contains(run.Warnings, w => w.Contains("NOT verified", StringComparison.Ordinal));
            Assert.Contains(run.Verbose, v => v.Contains("certificate was NOT verified", StringComparison.Ordinal));
            Assert.Equal("Sent", Assert.Single(run.Output).Text("Status"));
        }

        [Fact]
        public void MinimumTlsVersion_Tls13_negotiates_TLS_1_3()
        {
            var run = Send(
                "Send-SecureMail -From $args[3] -To $args[3] -Subject x -SmtpServer localhost -Port $args[4] -Credential $cred -TrustedCertificate $ca -MinimumTlsVersion Tls13 -PassThru",
                Server.User, Server.Submission);

            Assert.Empty(run.Errors);
            Assert.Equal("Tls13", Assert.Single(run.Output).Text("TlsProtocol"));
        }

        [Fact]
        public void DeliveryNotificationOption_requests_DSN_with_an_envelope_id()
        {
            var log = Path.GetTempFileName();
            try
            {
                var run = Send(
                    "Send-SecureMail -From $args[3] -To $args[3] -Subject dsn -SmtpServer localhost -Port $args[4] -Credential $cred -TrustedCertificate $ca -DeliveryNotificationOption OnSuccess, OnFailure -ProtocolLog $args[5] -PassThru",
                    Server.User, Server.Submission, log);

                Assert.Empty(run.Errors);
                var transcript = File.ReadAllText(log);
                Assert.Contains($"RCPT TO:<{Server.User}> NOTIFY=SUCCESS,FAILURE", transcript);
                Assert.Contains(" ENVID=", transcript);
            }
            finally
            {
                File.Delete(log);
            }
        }

        [Fact]
        public void International_addresses_use_SMTPUTF8()
        {
            var log = Path.GetTempFileName();
            try
            {
                var marker = NewMarker();
                var jorg = "jörg@" + Server.Domain;
                var run = Send(
                    "Send-SecureMail -From $args[3] -To $args[3], $args[4] -Subject $args[5] -SmtpServer localhost -Port $args[6] -Credential $cred -TrustedCertificate $ca -ProtocolLog $args[7] -PassThru",
                    Server.User, jorg, marker, Server.Submission, log);

                // The server took the UTF-8 address syntactically (SMTPUTF8) and refused it only because no such mailbox exists.
                var result = Assert.Single(run.Output);
                Assert.Equal("PartiallySent", result.Text("Status"));
                Assert.Contains("SMTPUTF8", File.ReadAllText(log).Split('\n').Single(l => l.Contains("MAIL FROM")));
                Assert.Equal(550, (int)System.Management.Automation.PSObject.AsPSObject(((System.Collections.IEnumerable)result.Get("RejectedRecipients")!).Cast<object>().Single()).Get("ReplyCode")!);
                Assert.NotNull(Delivered(Server.User, marker));
            }
            finally
            {
                File.Delete(log);
            }
        }

        [Fact]
        public void No_secret_appears_in_any_stream_error_or_protocol_log()
        {
            var log = Path.GetTempFileName();
            try
            {
                const string token = "ya29.SECRET-oauth-token-0123456789";
                var runs = new[]
                {
                    Send("Send-SecureMail -From $args[3] -To $args[3] -Subject ok -SmtpServer localhost -Port $args[4] -Credential $cred -TrustedCertificate $ca -ProtocolLog $args[5] -PassThru -Verbose -Debug", Server.User, Server.Submission, log),
                    _fixture.PowerShell.Run(
                        "$bad = [pscredential]::new($args[0], [System.Net.NetworkCredential]::new('', $args[1]).SecurePassword); " +
                        "Send-SecureMail -From $args[0] -To $args[0] -Subject bad -SmtpServer localhost -Port $args[2] -Credential $bad -TrustedCertificate $args[3] -ProtocolLog $args[4] -PassThru -Verbose -Debug -RetryCount 0",
                        Server.User, Server.Password + "-wrong", Server.Submission, Server.CaFile, log),
                    Send("Send-SecureMail -From $args[3] -To $args[3] -Subject tok -SmtpServer localhost -Port $args[4] -AccessToken $args[6] -TrustedCertificate $ca -ProtocolLog $args[5] -PassThru -Verbose -Debug", Server.User, Server.Submission, log, token),
                    Send("Send-SecureMail -From $args[3] -To $args[3] -Subject plain -SmtpServer localhost -Port $args[4] -Credential $cred -ProtocolLog $args[5] -PassThru -Verbose -Debug", Server.User, Server.Plain, log),
                };

                Assert.Empty(runs[0].Errors);
                Assert.Equal("SmtpTools.AuthenticationFailed", runs[1].ErrorIds.Single().Split(',')[0]);
                Assert.Equal("SmtpTools.AuthenticationFailed", runs[2].ErrorIds.Single().Split(',')[0]);
                Assert.Equal("SmtpTools.StartTlsNotOffered", runs[3].ErrorIds.Single().Split(',')[0]);
                Assert.Contains(runs[0].Debug, d => d.Contains("AUTH PLAIN ********", StringComparison.Ordinal));

                var secrets = SecretForms.OfPassword(Server.User, Server.Password).Concat(SecretForms.OfPassword(Server.User, Server.Password + "-wrong")).Concat(SecretForms.OfToken(Server.User, token)).ToList();
                var everything = runs.SelectMany(r => r.AllText.Concat(r.Output.SelectMany(o => o.Properties.Select(p => p.Value?.ToString() ?? string.Empty))))
                    .Append(File.ReadAllText(log))
                    .ToList();
                foreach (var secret in secrets)
                {
                    Assert.DoesNotContain(everything, text => text.Contains(secret, StringComparison.Ordinal));
                }
            }
            finally
            {
                File.Delete(log);
            }
        }

        private static System.Management.Automation.ErrorCategory ErrorCategoryOf(PowerShellRun run) => run.Errors.Single().CategoryInfo.Category;

        private static byte[] Decode(MimePart part)
        {
            using var stream = new MemoryStream();
            part.Content!.DecodeTo(stream);
            return stream.ToArray();
        }

        private static X509Certificate2 LeafOf(string pemFile)
        {
            var text = File.ReadAllText(pemFile);
            var begin = text.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
            return X509Certificate2.CreateFromPem(text.AsSpan(begin));
        }

        private string? WaitForLog(Func<List<string>, string?> find)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            do
            {
                var found = find(File.ReadAllLines(Server.LogFile).ToList());
                if (found != null)
                {
                    return found;
                }

                Thread.Sleep(200);
            }
            while (DateTime.UtcNow < deadline);
            return null;
        }

        // "postfix/cleanup[123]: 4ABC: message-id=<id>" -> "4ABC" when id is one of ours.
        private static string? QueueIdOfMessage(string line, HashSet<string> messageIds)
        {
            var at = line.IndexOf(": message-id=<", StringComparison.Ordinal);
            if (at < 0 || !line.Contains("/cleanup["))
            {
                return null;
            }

            var id = line.Substring(at + 14).TrimEnd('>');
            if (!messageIds.Contains(id))
            {
                return null;
            }

            var start = line.LastIndexOf(' ', at - 1) + 1;
            return line.Substring(start, at - start);
        }

        private static string SmtpdPid(string line)
        {
            var start = line.IndexOf("/smtpd[", StringComparison.Ordinal) + 7;
            return line.Substring(start, line.IndexOf(']', start) - start);
        }

        [Fact]
        public void Each_port_is_judged_by_its_own_certificate_even_right_after_a_session_with_another_port_of_the_same_host()
        {
            // Postfix shares session tickets across its listeners: a resumed TLS session would carry the first port's
            // verdict over to the second. Same host name, same process, one after the other.
            var run = Send(
                "Send-SecureMail -SmtpServer localhost -Port $args[3] -Security ImplicitTls -Credential $cred -TrustedCertificate $ca -From $args[0] -To $args[0] -Subject $args[5] -Body x -PassThru; " +
                "Send-SecureMail -SmtpServer localhost -Port $args[4] -Security ImplicitTls -Credential $cred -TrustedCertificate $ca -From $args[0] -To $args[0] -Subject $args[5] -Body x -PassThru",
                Server.Submissions, Server.Ports["expired"], NewMarker());

            var results = run.Output.ToList();
            Assert.Equal(2, results.Count);
            Assert.Equal("Sent", results[0].Text("Status"));
            Assert.Equal("valid", results[0].Text("Certificate.Verdict"));
            Assert.Equal("Failed", results[1].Text("Status"));
            Assert.Equal("expired", results[1].Text("Certificate.Verdict"));
            Assert.Contains("SmtpTools.CertificateRejected,SmtpTools.Commands.SendSecureMailCommand", run.ErrorIds);
        }

        [Fact]
        public void A_pinned_self_signed_port_does_not_make_the_next_port_of_the_same_host_look_self_signed()
        {
            var pin = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(
                System.IO.Path.Combine(Server.StateDirectory, "certs", "self-signed.pem")).Thumbprint;
            var run = Send(
                "Send-SecureMail -SmtpServer localhost -Port $args[4] -Security ImplicitTls -Credential $cred -CertificateThumbprint $args[6] -From $args[0] -To $args[0] -Subject $args[5] -Body x -PassThru; " +
                "Send-SecureMail -SmtpServer localhost -Port $args[3] -Security ImplicitTls -Credential $cred -TrustedCertificate $ca -From $args[0] -To $args[0] -Subject $args[5] -Body x -PassThru",
                Server.Submissions, Server.Ports["selfSigned"], NewMarker(), pin);

            Assert.Empty(run.Errors);
            var results = run.Output.ToList();
            Assert.Equal(new[] { "Sent", "Sent" }, results.Select(r => r.Text("Status")));
            Assert.Equal("True", results[0].Text("Certificate.IsPinned"));
            Assert.Equal("True", results[0].Text("Certificate.IsSelfSigned"));
            Assert.Equal("valid", results[1].Text("Certificate.Verdict"));
        }
    }
}
