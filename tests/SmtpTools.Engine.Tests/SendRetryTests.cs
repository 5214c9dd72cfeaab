using System;
using System.Linq;
using SmtpTools.Tests.Listeners;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The session's retry decisions against a fake SMTP server (plain text, loopback only).</summary>
    public sealed class SendRetryTests
    {
        [Fact]
        public void A_4xx_after_the_data_is_retried_and_then_sent()
        {
            using var peer = AnsweringTheDot(number => number == 1 ? FakeReply.Say("451 4.3.0 Try again later") : null);
            var result = SendOne(peer);

            Assert.Equal(SmtpSendStatus.Sent, result.Status);
            Assert.Equal(2, result.Attempts);
            Assert.Equal(2, peer.Messages.Count);
        }

        [Fact]
        public void A_5xx_after_the_data_is_not_retried()
        {
            using var peer = AnsweringTheDot(_ => FakeReply.Say("554 5.7.1 Rejected by policy"));
            var result = SendOne(peer);

            Assert.Equal(SmtpSendStatus.Failed, result.Status);
            Assert.Equal(SmtpFailureKind.MessageRejected, result.FailureKind);
            Assert.Equal(1, result.Attempts);
            Assert.Single(peer.Messages);
        }

        [Fact]
        public void A_drop_after_the_final_dot_is_reported_as_unknown_and_not_sent_twice()
        {
            using var peer = AnsweringTheDot(_ => FakeReply.HangUp);
            var result = SendOne(peer);

            Assert.Equal(SmtpSendStatus.OutcomeUnknown, result.Status);
            Assert.Equal(SmtpFailureKind.OutcomeUnknown, result.FailureKind);
            Assert.Single(peer.Messages);
        }

        [Fact]
        public void Retries_stop_after_RetryCount()
        {
            using var peer = AnsweringTheDot(_ => FakeReply.Say("421 4.4.2 Too busy").ThenHangUp());
            var result = SendOne(peer, retryCount: 1);

            Assert.Equal(SmtpSendStatus.Failed, result.Status);
            Assert.Equal(2, result.Attempts);
            Assert.Equal(2, peer.Messages.Count);
        }

        [Fact]
        public void A_refused_sender_is_reported_as_such_and_not_as_refused_recipients()
        {
            // With PIPELINING the RCPT after a refused MAIL FROM gets "503 need MAIL command": an echo, not the reason.
            using var peer = new FakeSmtpServer(new FakeSmtpScript { Command = (_, line) => line.StartsWith("MAIL", StringComparison.Ordinal) ? FakeReply.Say("553 5.7.1 Sender address rejected: not owned by user") : null });
            var result = SendOne(peer);

            Assert.Equal(SmtpSendStatus.Failed, result.Status);
            Assert.Equal(SmtpFailureKind.MessageRejected, result.FailureKind);
            Assert.Contains("refused the sender a@example.test", result.ErrorMessage);
            Assert.Contains("not owned by user", result.ErrorMessage);
            Assert.Empty(result.RejectedRecipients);
            Assert.Equal(1, result.Attempts);
        }

        [Fact]
        public void A_reply_dripped_byte_by_byte_beyond_the_timeout_ends_the_attempt_as_timed_out()
        {
            // MailKit's own timeout restarts with every byte; the session's bound is per step.
            using var peer = new FakeSmtpServer(new FakeSmtpScript { Command = (_, line) => line.StartsWith("RCPT", StringComparison.Ordinal) ? FakeReply.Say("250 " + new string('x', 300)).Dripped(TimeSpan.FromMilliseconds(100)) : null });
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var result = SendOne(peer, retryCount: 0, timeout: TimeSpan.FromSeconds(1));

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"The send took {watch.Elapsed}; the server's drip lasts 30 s.");
            Assert.Equal(SmtpSendStatus.Failed, result.Status);
            Assert.Equal(SmtpFailureKind.TimedOut, result.FailureKind);
        }

        [Theory]
        [InlineData(5000, 1)]
        [InlineData(10, 600)]
        public void A_reply_beyond_the_reader_limits_is_a_protocol_error_not_an_unbounded_buffer(int lineLength, int lines)
        {
            var reply = string.Join("\n", Enumerable.Repeat("250-" + new string('x', lineLength), lines - 1).Append("250 " + new string('x', lineLength)));
            using var peer = new FakeSmtpServer(new FakeSmtpScript { Command = (_, line) => line.StartsWith("RCPT", StringComparison.Ordinal) ? FakeReply.Say(reply) : null });
            var result = SendOne(peer, retryCount: 0);

            Assert.Equal(SmtpSendStatus.Failed, result.Status);
            Assert.Equal(SmtpFailureKind.ProtocolError, result.FailureKind);
            Assert.Contains("broke the SMTP protocol", result.ErrorMessage);
            Assert.Empty(peer.Messages);
        }

        private static FakeSmtpServer AnsweringTheDot(Func<int, FakeReply?> reply) =>
            new FakeSmtpServer(new FakeSmtpScript { AfterDot = (_, message) => reply(message.Number) });

        private static SmtpSendResult SendOne(FakeSmtpServer peer, int retryCount = 2, TimeSpan? timeout = null)
        {
            var options = new SmtpSendOptions
            {
                SmtpServer = "127.0.0.1",
                Port = peer.Port,
                Security = SmtpRequestedSecurity.None,
                AllowUnencrypted = true,
                Timeout = timeout ?? TimeSpan.FromSeconds(5),
                RetryCount = retryCount,
            };
            using var session = new SmtpMailSession(options) { Delay = (_, _) => { } };
            using var message = PreparedMessage.Create(new OutgoingMessage { From = "a@example.test", To = { "b@example.test" }, Subject = "retry", Body = "body" });
            return session.Send(message);
        }
    }
}
