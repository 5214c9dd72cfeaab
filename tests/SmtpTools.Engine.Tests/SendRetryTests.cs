using System;
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
            Assert.Equal(1, peer.Messages.Count);
        }

        [Fact]
        public void A_drop_after_the_final_dot_is_reported_as_unknown_and_not_sent_twice()
        {
            using var peer = AnsweringTheDot(_ => FakeReply.HangUp);
            var result = SendOne(peer);

            Assert.Equal(SmtpSendStatus.OutcomeUnknown, result.Status);
            Assert.Equal(SmtpFailureKind.OutcomeUnknown, result.FailureKind);
            Assert.Equal(1, peer.Messages.Count);
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

        private static FakeSmtpServer AnsweringTheDot(Func<int, FakeReply?> reply) =>
            new FakeSmtpServer(new FakeSmtpScript { AfterDot = (_, message) => reply(message.Number) });

        private static SmtpSendResult SendOne(FakeSmtpServer peer, int retryCount = 2)
        {
            var options = new SmtpSendOptions
            {
                SmtpServer = "127.0.0.1",
                Port = peer.Port,
                Security = SmtpSecurity.None,
                AllowUnencrypted = true,
                Timeout = TimeSpan.FromSeconds(5),
                RetryCount = retryCount,
            };
            using var session = new SmtpMailSession(options) { Delay = (_, _) => { } };
            using var message = PreparedMessage.Create(new OutgoingMessage { From = "a@example.test", To = { "b@example.test" }, Subject = "retry", Body = "body" });
            return session.Send(message);
        }
    }
}
