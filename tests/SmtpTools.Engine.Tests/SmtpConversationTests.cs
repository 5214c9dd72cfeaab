using System;
using System.Diagnostics;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Protocol;
using SmtpTools.Tests.Listeners;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The one conversation every cmdlet holds: detection, late greeters, mismatches, and where a failure goes.</summary>
    public sealed class SmtpConversationTests
    {
        private static readonly IPAddress[] Loopback = { IPAddress.Loopback };

        private static SmtpConversationPlan Plan(int port, SmtpRequestedSecurity requested = SmtpRequestedSecurity.Auto) => new SmtpConversationPlan
        {
            TargetHost = "localhost",
            Port = port,
            Requested = requested,
            Timeout = TimeSpan.FromSeconds(5),
            CertificatePolicy = new CertificatePolicy(new[] { TestCertificates.Authority }),
        };

        private static async Task<SmtpEndpointFacts> RecordAsync(SmtpConversationPlan plan)
        {
            using var conversation = await SmtpConversation.RunAsync("localhost", Loopback, plan, throwOnFailure: false, CancellationToken.None);
            return conversation.Facts;
        }

        [Fact]
        public async Task A_port_that_greets_in_clear_is_STARTTLS_with_extensions_before_and_after_TLS()
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good });

            var facts = await RecordAsync(Plan(server.Port));

            Assert.Equal(SmtpFailureKind.None, facts.FailureKind);
            Assert.Equal(SmtpObservedSecurity.StartTls, facts.Observed);
            Assert.True(facts.ExtensionsBeforeTls!.StartTls);
            Assert.NotNull(facts.ExtensionsAfterTls);
            Assert.True(facts.Tls!.Certificate!.IsAcceptable);
        }

        [Fact]
        public async Task A_silent_port_that_answers_a_handshake_is_implicit_TLS_after_the_greeting_wait()
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, ImplicitTls = true });
            var watch = Stopwatch.StartNew();

            var facts = await RecordAsync(Plan(server.Port));

            Assert.Equal(SmtpObservedSecurity.ImplicitTls, facts.Observed);
            Assert.Null(facts.ExtensionsBeforeTls);
            Assert.NotNull(facts.ExtensionsAfterTls);
            Assert.InRange(watch.Elapsed, SmtpDefaults.GreetingWait, SmtpDefaults.GreetingWait + TimeSpan.FromSeconds(2));
        }

        [Fact]
        public async Task A_late_greeter_is_found_in_clear_on_a_second_connection()
        {
            using var late = ScriptedListener.Start(ScriptedListener.LateGreeter(TimeSpan.FromSeconds(1.5)));

            var facts = await RecordAsync(Plan(late.Port));

            Assert.NotNull(facts.LateGreeting);
            Assert.True(facts.Greeted);
            Assert.NotEqual(SmtpObservedSecurity.ImplicitTls, facts.Observed);
        }

        [Fact]
        public async Task StartTls_asked_of_an_implicit_TLS_port_is_a_mismatch_found_within_a_second()
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, ImplicitTls = true });
            var watch = Stopwatch.StartNew();

            var facts = await RecordAsync(Plan(server.Port, SmtpRequestedSecurity.StartTls));

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"{watch.Elapsed.TotalMilliseconds:0} ms");
            Assert.Equal(SmtpFailureKind.SecurityMismatch, facts.FailureKind);
            Assert.Equal(SmtpObservedSecurity.ImplicitTls, facts.Observed);
            Assert.Contains("-Security ImplicitTls", facts.ErrorMessage);
        }

        [Fact]
        public async Task ImplicitTls_asked_of_a_STARTTLS_port_is_a_mismatch_that_names_STARTTLS()
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good });

            var facts = await RecordAsync(Plan(server.Port, SmtpRequestedSecurity.ImplicitTls));

            Assert.Equal(SmtpFailureKind.SecurityMismatch, facts.FailureKind);
            Assert.Equal(SmtpObservedSecurity.StartTls, facts.Observed);
            Assert.Contains("-Security StartTls", facts.ErrorMessage);
        }

        [Fact]
        public async Task The_caller_chooses_whether_a_failure_is_thrown_or_recorded()
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript { Greeting = _ => FakeReply.Say("554 5.3.2 No SMTP service here") });

            var recorded = await RecordAsync(Plan(server.Port));
            var thrown = await Assert.ThrowsAsync<SmtpConnectionException>(() => SmtpConversation.RunAsync("localhost", Loopback, Plan(server.Port), throwOnFailure: true, CancellationToken.None));

            Assert.Equal(SmtpFailureKind.CommandRejected, recorded.FailureKind);
            Assert.Equal(ConversationStep.Greeting, recorded.FailureStep);
            Assert.Equal(554, recorded.ReplyCode);
            Assert.Equal(SmtpFailureKind.CommandRejected, thrown.Kind);
            Assert.Equal(554, thrown.ReplyCode);
        }

        [Fact]
        public async Task Required_TLS_on_a_port_without_STARTTLS_fails_and_sends_nothing_past_EHLO()
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript()); // no certificate: no STARTTLS offered
            var plan = Plan(server.Port);
            plan.RequireTls = true;

            var facts = await RecordAsync(plan);

            Assert.Equal(SmtpFailureKind.StartTlsNotOffered, facts.FailureKind);
            Assert.Equal(SmtpObservedSecurity.PlainOnly, facts.Observed);
            Assert.Null(facts.Tls);
        }
    }
}
