using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using MailKit.Net.Smtp;
using SmtpTools.Sending;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The sending decisions that need no server: security description, retry classification, redaction, validation.</summary>
    public sealed class SendingTests
    {
        [Fact]
        public void Auto_promises_TLS_whatever_the_port_and_never_names_a_mode_before_it_is_seen()
        {
            var described = new SmtpSendOptions { Port = 465, Security = SmtpRequestedSecurity.Auto }.DescribeSecurity();
            Assert.StartsWith("TLS required", described);
        }

        [Fact]
        public void None_with_credentials_is_refused_even_when_unencrypted_sending_is_allowed()
        {
            var options = new SmtpSendOptions { SmtpServer = "mail.example", Security = SmtpRequestedSecurity.None, AllowUnencrypted = true, Credential = new NetworkCredential("u", "p") };
            Assert.Equal(SmtpFailureKind.EncryptionRequired, Assert.Throws<SmtpConnectionException>(options.Validate).Kind);
        }

        [Fact]
        public void None_needs_AllowUnencrypted()
        {
            var options = new SmtpSendOptions { SmtpServer = "mail.example", Security = SmtpRequestedSecurity.None };
            Assert.Equal(SmtpFailureKind.EncryptionRequired, Assert.Throws<SmtpConnectionException>(options.Validate).Kind);
            options.AllowUnencrypted = true;
            options.Validate();
        }

        [Theory]
        [InlineData((int)SendStage.Envelope, true, false)]
        [InlineData((int)SendStage.Data, true, false)]
        [InlineData((int)SendStage.DataComplete, false, true)]
        public void A_dropped_connection_is_retried_only_before_the_message_data_is_complete(int stageValue, bool transient, bool outcomeUnknown)
        {
            var stage = (SendStage)stageValue;
            var failure = SendFailure.Classify(new IOException("connection reset"), stage, null, false, "mail.example:25");
            Assert.Equal(transient, failure.Transient);
            Assert.Equal(outcomeUnknown, failure.OutcomeUnknown);
            Assert.Equal(outcomeUnknown ? SmtpFailureKind.OutcomeUnknown : SmtpFailureKind.ConnectionClosed, failure.Kind);
        }

        [Theory]
        [InlineData(451, true)]
        [InlineData(452, true)]
        [InlineData(554, false)]
        [InlineData(552, false)]
        public void Replies_4xx_are_retried_and_5xx_are_not(int code, bool transient)
        {
            var reply = new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, (SmtpStatusCode)code, "refused");
            var failure = SendFailure.Classify(reply, SendStage.DataComplete, null, false, "mail.example:25");
            Assert.Equal(SmtpFailureKind.MessageRejected, failure.Kind);
            Assert.Equal(transient, failure.Transient);
            Assert.False(failure.OutcomeUnknown); // the server answered: the outcome is known
        }

        [Theory]
        [InlineData(SmtpFailureKind.CommandRejected, 421, true)]
        [InlineData(SmtpFailureKind.StartTlsRefused, 454, true)]
        [InlineData(SmtpFailureKind.CommandRejected, 554, false)]
        [InlineData(SmtpFailureKind.StartTlsRefused, 502, false)]
        public void Replies_the_session_reads_itself_before_TLS_are_retried_when_4xx(SmtpFailureKind kind, int code, bool transient)
        {
            var failure = SendFailure.Classify(new SmtpConnectionException(kind, "refused", null, code), SendStage.Connecting, null, false, "mail.example:25");
            Assert.Equal(kind, failure.Kind);
            Assert.Equal(transient, failure.Transient);
        }

        [Fact]
        public void Missing_STARTTLS_is_its_own_failure_and_ends_the_session()
        {
            var failure = SendFailure.Classify(new NotSupportedException("The SMTP server does not support the STARTTLS extension."), SendStage.Connecting, null, false, "mail.example:25");
            Assert.Equal(SmtpFailureKind.StartTlsNotOffered, failure.Kind);
            Assert.False(failure.Transient);
            Assert.True(failure.IsConnectionLevel(SendStage.Connecting));
        }

        [Fact]
        public void The_transcript_redacts_every_line_of_an_AUTH_exchange_and_known_secrets_anywhere()
        {
            var lines = new List<string>();
            var logger = new SmtpTranscriptLogger(lines.Add, null);
            logger.SetSecrets(new[] { "hunter2", Convert.ToBase64String(Encoding.UTF8.GetBytes("hunter2")) });
            void Client(string text) => logger.LogClient(Encoding.UTF8.GetBytes(text), 0, Encoding.UTF8.GetByteCount(text));
            void Server(string text) => logger.LogServer(Encoding.UTF8.GetBytes(text), 0, Encoding.UTF8.GetByteCount(text));

            Client("AUTH LOGIN\r\n");
            Server("334 VXNlcm5hbWU6\r\n");
            Client("YWxpY2U=\r\n");
            Server("334 UGFzc3dvcmQ6\r\n");
            Client(Convert.ToBase64String(Encoding.UTF8.GetBytes("hunter2")) + "\r\n");
            Server("235 2.7.0 Authentication successful\r\n");
            Client("MAIL FROM:<a@b> hunter2\r\n");

            Assert.Equal(" -> ********", lines[2]);
            Assert.Equal(" -> ********", lines[4]);
            Assert.Equal(" -> MAIL FROM:<a@b> ********", lines[6]);
            Assert.DoesNotContain(lines, l => l.Contains("hunter2") || l.Contains("aHVudGVyMg=="));
        }

        [Fact]
        public void An_endless_server_line_is_not_kept_nor_shown_in_part()
        {
            var lines = new List<string>();
            var logger = new SmtpTranscriptLogger(lines.Add, null);
            logger.SetSecrets(new[] { "hunter2" });
            var chunk = Encoding.ASCII.GetBytes(new string('x', 4096));
            var start = Encoding.ASCII.GetBytes("250-");
            logger.LogServer(start, 0, start.Length);
            for (var i = 0; i < 100; i++)
            {
                logger.LogServer(chunk, 0, chunk.Length); // 400 KB without a line end
            }

            var end = Encoding.ASCII.GetBytes("hunter2\r\n250 OK\r\n");
            logger.LogServer(end, 0, end.Length);

            Assert.Equal(new[] { "<-  [a line of more than 65,536 bytes, not shown]", "<-  250 OK" }, lines);
        }

        [Fact]
        public void Message_data_is_summarised_not_copied()
        {
            var lines = new List<string>();
            var logger = new SmtpTranscriptLogger(lines.Add, null);
            void Client(string text) => logger.LogClient(Encoding.UTF8.GetBytes(text), 0, text.Length);
            void Server(string text) => logger.LogServer(Encoding.UTF8.GetBytes(text), 0, text.Length);

            Client("DATA\r\n");
            Server("354 go ahead\r\n");
            Client("Subject: secret plans\r\n\r\nbody\r\n.\r\n");
            Server("250 ok\r\n");

            Assert.Equal(new[] { " -> DATA", "<-  354 go ahead", " -> [34 bytes of message data]", "<-  250 ok" }, lines);
        }

        [Theory]
        [InlineData("")]
        [InlineData("one line, no break")]
        [InlineData("lf\nonly\n")]
        [InlineData("crlf\r\nalready\r\n")]
        [InlineData("bare cr\rsmuggling\r.\r\nend")]
        [InlineData("\r\r\n\n\r")]
        [InlineData("\n\r")]
        [InlineData("trailing cr\r")]
        [InlineData("Grüße, 日本語 und 😀\nzweite Zeile\r\n😀\r")]
        public void Text_bodies_are_encoded_from_canonical_lines_without_a_canonical_copy(string text)
        {
            var utf8 = new UTF8Encoding(false);

            Assert.Equal(utf8.GetBytes(PreparedMessage.CanonicalLineEnds(text)), PreparedMessage.CanonicalUtf8(text, utf8));
        }

        [Fact]
        public void Unread_transcript_still_follows_the_conversation_across_chunks_and_message_data()
        {
            var logger = new SmtpTranscriptLogger(null, null); // no -Debug, no -ProtocolLog: nothing is formatted
            void Client(string text) => logger.LogClient(Encoding.UTF8.GetBytes(text), 0, text.Length);
            void Server(string text) => logger.LogServer(Encoding.UTF8.GetBytes(text), 0, text.Length);

            Client("STARTT");
            Client("LS\r\n");
            Server("220 2.0.0 Ready to start TLS\r\n");
            Assert.True(logger.StartTlsSent);
            Assert.True(logger.IsTls);

            Client("auth plain AGFsaWNlAGh1bnRlcjI=\r\n");
            Server("235 2.7.0 Authentication successful\r\n");
            Assert.Equal("PLAIN", logger.LastAuthMechanism);

            Client("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
            Server("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n35");
            Server("4 End data with <CR><LF>.<CR><LF>\r\n");
            Client("AUTH LOGIN\r\nSubject: a line of the message, not a command\r\n.\r\n");
            Server("250 2.0.0 Ok: queued\r\n");
            Client("AUTH XOAUTH2 dG9rZW4=\r\n");

            Assert.Equal("XOAUTH2", logger.LastAuthMechanism); // the message data's "AUTH LOGIN" was data, not a command
        }

        [Theory]
        [InlineData("X-Bad\r\nBcc", "v", SmtpMessageProblem.HeaderInjection)]
        [InlineData("X-Fine", "a\r\nBcc: victim@example.com", SmtpMessageProblem.HeaderInjection)]
        [InlineData("X Space", "v", SmtpMessageProblem.InvalidHeader)]
        [InlineData("Bcc", "victim@example.com", SmtpMessageProblem.InvalidHeader)]
        [InlineData("Message-ID", "<forged@example.com>", SmtpMessageProblem.InvalidHeader)]
        public void Extra_headers_cannot_inject_or_override_header_lines(string name, string value, SmtpMessageProblem problem)
        {
            var message = new OutgoingMessage { From = "a@example.com", To = { "b@example.com" }, Headers = { [name] = value } };
            Assert.Equal(problem, Assert.Throws<SmtpMessageException>(() => PreparedMessage.Create(message)).Problem);
        }

        [Theory]
        [InlineData("plainword")]
        [InlineData("a@")]
        [InlineData("@example.com")]
        [InlineData("a@b@c")]
        public void Addresses_are_parsed_strictly(string address)
        {
            var message = new OutgoingMessage { From = "a@example.com", To = { address } };
            Assert.Equal(SmtpMessageProblem.InvalidAddress, Assert.Throws<SmtpMessageException>(() => PreparedMessage.Create(message)).Problem);
        }

        [Fact]
        public void Comma_separated_recipients_in_one_string_are_each_an_envelope_recipient()
        {
            using var prepared = PreparedMessage.Create(new OutgoingMessage { From = "a@example.com", To = { "b@example.com, Carol <c@example.com>" }, Bcc = { "d@example.com", "B@example.com" } });
            Assert.Equal(new[] { "b@example.com", "c@example.com", "d@example.com" }, prepared.Recipients);
            Assert.False(prepared.NeedsSmtpUtf8);
        }

        [Fact]
        public void Every_message_has_one_Date_of_now_and_one_Message_ID_in_the_senders_domain()
        {
            var before = DateTimeOffset.Now.AddSeconds(-2);
            using var prepared = PreparedMessage.Create(new OutgoingMessage { From = "a@example.com", To = { "b@example.com" }, Subject = "s", Body = "b" });

            var headers = prepared.Mime.Headers;
            Assert.Single(headers, h => h.Id == MimeKit.HeaderId.Date);
            Assert.Single(headers, h => h.Id == MimeKit.HeaderId.MessageId);
            Assert.InRange(prepared.Mime.Date, before, DateTimeOffset.Now.AddSeconds(2));
            Assert.EndsWith("@example.com", prepared.Mime.MessageId, StringComparison.Ordinal);
        }

        [Fact]
        public void A_thousand_recipients_are_one_message_and_more_are_refused_before_any_connection()
        {
            static OutgoingMessage To(int count) => new OutgoingMessage { From = "a@example.com", To = Enumerable.Range(1, count).Select(i => $"r{i}@example.com").ToList() };

            using (var largest = PreparedMessage.Create(To(PreparedMessage.MaxRecipients)))
            {
                Assert.Equal(PreparedMessage.MaxRecipients, largest.Recipients.Count);
            }

            var e = Assert.Throws<SmtpMessageException>(() => PreparedMessage.Create(To(PreparedMessage.MaxRecipients + 1)));
            Assert.Equal(SmtpMessageProblem.TooManyRecipients, e.Problem);
            Assert.Contains("1,001 recipients", e.Message);
        }

        [Theory]
        [InlineData("Subject")]
        [InlineData("Header")]
        public void A_subject_or_header_value_longer_than_a_header_line_is_refused(string where)
        {
            var text = new string('s', PreparedMessage.MaxHeaderValueLength + 1);
            var message = new OutgoingMessage { From = "a@example.com", To = { "b@example.com" } };
            if (where == "Subject")
            {
                message.Subject = text;
            }
            else
            {
                message.Headers["X-Long"] = text;
            }

            Assert.Equal(SmtpMessageProblem.HeaderTooLong, Assert.Throws<SmtpMessageException>(() => PreparedMessage.Create(message)).Problem);
            message.Subject = message.Subject?.Substring(1);
            message.Headers.Clear();
            using var fits = PreparedMessage.Create(message);
        }

        [Theory]
        [InlineData("Subject")]
        [InlineData("Body")]
        [InlineData("HtmlBody")]
        [InlineData("Header")]
        [InlineData("To")]
        public void Malformed_UTF16_is_refused_instead_of_sent_garbled(string where)
        {
            const string cut = "caf\u00e9 \ud83d"; // an emoji cut in half: its high surrogate alone
            var message = new OutgoingMessage { From = "a@example.com", To = { "b@example.com" } };
            switch (where)
            {
                case "Subject": message.Subject = cut; break;
                case "Body": message.Body = cut; break;
                case "HtmlBody": message.HtmlBody = cut; break;
                case "Header": message.Headers["X-Note"] = cut; break;
                default: message.To.Add("\"" + cut + "\" <c@example.com>"); break;
            }

            var e = Assert.Throws<SmtpMessageException>(() => PreparedMessage.Create(message));
            Assert.Equal(SmtpMessageProblem.InvalidText, e.Problem);
            Assert.Contains("lone UTF-16 surrogate", e.Message);
        }

        [Fact]
        public void Text_the_chosen_encoding_cannot_carry_is_refused_instead_of_turned_into_question_marks()
        {
            var message = new OutgoingMessage { From = "a@example.com", To = { "b@example.com" }, Subject = "Grüße", Encoding = Encoding.ASCII };
            var e = Assert.Throws<SmtpMessageException>(() => PreparedMessage.Create(message));
            Assert.Equal(SmtpMessageProblem.InvalidText, e.Problem);
            Assert.Contains("U+00FC", e.Message);
            Assert.Contains("-Encoding UTF8", e.Message);
        }

        [Fact]
        public void A_non_ASCII_local_part_needs_SMTPUTF8()
        {
            using var prepared = PreparedMessage.Create(new OutgoingMessage { From = "a@example.com", To = { "jörg@example.com" } });
            Assert.True(prepared.NeedsSmtpUtf8);
        }
    }
}
