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
        public async Task A_silent_port_that_answers_a_handshake_is_implicit_TLS()
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, ImplicitTls = true });

            var facts = await RecordAsync(Plan(server.Port));

            Assert.Equal(SmtpFailureKind.None, facts.FailureKind);
            Assert.Equal(SmtpObservedSecurity.ImplicitTls, facts.Observed);
            Assert.Null(facts.ExtensionsBeforeTls);
            Assert.NotNull(facts.ExtensionsAfterTls);
            Assert.True(facts.Tls!.Certificate!.IsAcceptable);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_server_that_answers_in_clear_or_in_TLS_is_reported_as_answering(bool implicitTls)
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, ImplicitTls = implicitTls });
            var answers = 0;
            var plan = Plan(server.Port);
            plan.Answered = () => Interlocked.Increment(ref answers);

            var facts = await RecordAsync(plan);

            Assert.Equal(SmtpFailureKind.None, facts.FailureKind);
            Assert.Equal(implicitTls ? SmtpObservedSecurity.ImplicitTls : SmtpObservedSecurity.StartTls, facts.Observed);
            Assert.InRange(answers, 1, 2); // the greeting in clear, or the ServerHello on the second connection; at most once per connection
        }

        [Fact]
        public async Task A_port_that_never_says_a_word_is_never_reported_as_answering()
        {
            using var silent = ScriptedListener.Start(ScriptedListener.Tarpit);
            var answers = 0;
            var plan = Plan(silent.Port);
            plan.Timeout = TimeSpan.FromSeconds(1);
            plan.Answered = () => Interlocked.Increment(ref answers);

            var facts = await RecordAsync(plan);

            Assert.Equal(SmtpFailureKind.TimedOut, facts.FailureKind);
            Assert.Equal(0, answers);
        }

        [Fact]
        public async Task A_port_that_accepts_and_never_says_a_word_is_reported_connected_but_not_answering()
        {
            // The quiet-port rule of a sweep tells a port blocked by the network (no connection) from one whose servers
            // accept and say nothing yet (implicit TLS, a loaded server, a tarpit) by this signal.
            using var silent = ScriptedListener.Start(ScriptedListener.Tarpit);
            var answers = 0;
            var connects = 0;
            var plan = Plan(silent.Port);
            plan.Timeout = TimeSpan.FromSeconds(1);
            plan.Answered = () => Interlocked.Increment(ref answers);
            plan.Connected = () => Interlocked.Increment(ref connects);

            var facts = await RecordAsync(plan);

            Assert.Equal(SmtpFailureKind.TimedOut, facts.FailureKind);
            Assert.Equal(0, answers);
            Assert.Equal(1, connects);
        }

        [Fact]
        public async Task A_refused_connection_is_never_reported_connected()
        {
            int port;
            using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            }

            var connects = 0;
            var plan = Plan(port);
            plan.Connected = () => Interlocked.Increment(ref connects);

            var facts = await RecordAsync(plan);

            Assert.Equal(SmtpFailureKind.ConnectionRefused, facts.FailureKind);
            Assert.Equal(0, connects);
        }

        [Fact]
        public async Task An_implicit_TLS_port_gets_a_ClientHello_before_the_greeting_wait_is_over()
        {
            // The server greets inside TLS, so its greeting proves our ClientHello had arrived; with a 20 s greeting
            // wait, a detection that waits for it first could not get there before 20 s.
            var sinceStart = Stopwatch.StartNew();
            var greetedInsideTls = TimeSpan.MaxValue;
            using var server = new FakeSmtpServer(new FakeSmtpScript
            {
                Certificate = TestCertificates.Good,
                ImplicitTls = true,
                Greeting = session =>
                {
                    lock (sinceStart)
                    {
                        greetedInsideTls = greetedInsideTls < sinceStart.Elapsed ? greetedInsideTls : sinceStart.Elapsed;
                    }

                    return null;
                },
            });
            var plan = Plan(server.Port);
            plan.Timeout = TimeSpan.FromSeconds(60);
            plan.GreetingWait = TimeSpan.FromSeconds(20);

            var facts = await RecordAsync(plan);

            Assert.Equal(SmtpObservedSecurity.ImplicitTls, facts.Observed);
            Assert.Equal(SmtpFailureKind.None, facts.FailureKind);
            Assert.True(greetedInsideTls < plan.GreetingWait, $"The TLS handshake came {greetedInsideTls.TotalSeconds:0.0} s after the start, not before the {plan.GreetingWait.TotalSeconds:0} s greeting wait was over.");
        }

        [Fact]
        public async Task A_port_that_greets_at_once_gets_one_connection_and_never_a_ClientHello()
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good });

            var facts = await RecordAsync(Plan(server.Port));

            Assert.Equal(SmtpObservedSecurity.StartTls, facts.Observed);
            Assert.Equal(1, server.Connections);
            Assert.DoesNotContain((byte)0x16, server.ReceivedInClear); // a TLS handshake record starts with 0x16
        }

        [Fact]
        public async Task A_greeter_slower_than_the_head_start_but_within_the_greeting_wait_is_plaintext_on_its_first_connection()
        {
            using var late = ScriptedListener.Start(ScriptedListener.LateGreeter(TimeSpan.FromMilliseconds(400)));

            var facts = await RecordAsync(Plan(late.Port));

            Assert.True(facts.Greeted, $"{facts.FailureKind} at {facts.FailureStep}: {facts.ErrorMessage}");
            Assert.Null(facts.LateGreeting);
            Assert.Equal(SmtpObservedSecurity.PlainOnly, facts.Observed);
            Assert.Equal(SmtpFailureKind.None, facts.FailureKind);
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
