using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using SmtpTools.Tests.Fuzz;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// Hundreds of fake servers, each answering one step (greeting, EHLO, STARTTLS, or EHLO inside TLS) with a mutated
    /// Postfix reply, probed end to end through the cmdlets: one outcome per endpoint, no crash, no foreign error, no hang.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class ProbeFuzzTests : IClassFixture<ModuleFixture>
    {
        private const int Cases = 300;
        private const int SendCases = 100;
        private static readonly TimeSpan DoesNotHang = TimeSpan.FromMinutes(2);

        private readonly ModuleFixture _fixture;

        public ProbeFuzzTests(ModuleFixture fixture) => _fixture = fixture;

        [Fact]
        public void Test_SmtpPort_gives_one_result_per_mutated_server()
        {
            using var scenario = ReliabilityTally.Scenario("fuzz: Test-SmtpPort against mutated servers");
            var servers = MutatedServers(caseOffset: 0);
            try
            {
                var ports = servers.Select(s => s.Port).ToArray();
                var watch = Stopwatch.StartNew();
                var run = _fixture.PowerShell.Run(
                    "Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 1 -ThrottleLimit 100",
                    ports, TestCertificates.Authority);
                watch.Stop();

                scenario.FuzzCases(Cases);
                ReliabilityChecks.ErrorsAreActionable(run);
                Assert.Empty(run.Errors); // a strange server is a finding in its result
                Assert.Equal(ports.OrderBy(p => p), run.Output.Select(r => (int)r.Get("Port")!).OrderBy(p => p));
                Assert.All(run.Output, r => Assert.False(string.IsNullOrEmpty(r.Text("Status"))));
                Assert.True(watch.Elapsed < DoesNotHang, $"{Cases} probes took {watch.Elapsed}.");
                scenario.Survived();
            }
            finally
            {
                servers.ForEach(s => s.Dispose());
            }
        }

        [Fact]
        public void Get_SmtpCapability_gives_one_report_or_one_error_per_mutated_server()
        {
            using var scenario = ReliabilityTally.Scenario("fuzz: Get-SmtpCapability against mutated servers");
            var servers = MutatedServers(caseOffset: Cases);
            try
            {
                var ports = servers.Select(s => s.Port).ToArray();
                var watch = Stopwatch.StartNew();
                var run = _fixture.PowerShell.Run(
                    "Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 1 -ThrottleLimit 100 -SkipTlsVersionScan",
                    ports, TestCertificates.Authority);
                watch.Stop();

                // A report may come with an error about it; an endpoint without a report has exactly one error naming it.
                var reported = run.Output.Select(r => (int)r.Get("Port")!).ToList();
                var unreported = run.Errors.Where(e => e.TargetObject is string).Select(e => int.Parse(((string)e.TargetObject).Split(':').Last(), System.Globalization.CultureInfo.InvariantCulture)).ToList();
                scenario.FuzzCases(Cases);
                ReliabilityChecks.ErrorsAreActionable(run);
                Assert.Equal(ports.OrderBy(p => p), reported.Concat(unreported).OrderBy(p => p));
                Assert.True(watch.Elapsed < DoesNotHang, $"{Cases} inspections took {watch.Elapsed}.");
                scenario.Survived();
            }
            finally
            {
                servers.ForEach(s => s.Dispose());
            }
        }

        [Fact]
        public void Send_SecureMail_gives_each_message_one_outcome_against_mutated_servers()
        {
            using var scenario = ReliabilityTally.Scenario("fuzz: Send-SecureMail against mutated servers");
            var seed = ReplyMutator.Seed;
            var servers = Enumerable.Range(2 * Cases, SendCases).Select(index =>
            {
                // After TLS, MailKit reads the replies: EHLO, MAIL, RCPT, DATA, and the one to the final dot.
                var mutated = FakeReply.Raw(ReplyMutator.Case(seed, index).Bytes);
                var step = new[] { "EHLO", "MAIL", "RCPT", "DATA" }.ElementAtOrDefault(index % 5);
                return new FakeSmtpServer(new FakeSmtpScript
                {
                    Certificate = TestCertificates.Good,
                    Command = (session, line) => step != null && session.IsTls && line.StartsWith(step, StringComparison.Ordinal) ? mutated : null,
                    AfterDot = (_, _) => step == null ? mutated : null,
                }, maxConnections: 8);
            }).ToList();
            try
            {
                var watch = Stopwatch.StartNew();
                var run = _fixture.PowerShell.Run(
                    "$args[0] | ForEach-Object { [pscustomobject]@{ SmtpServer = '127.0.0.1'; Port = $_; Subject = \"fuzz $_\" } } | " +
                    "Send-SecureMail -From a@fake.test -To b@fake.test -TrustedCertificate $args[1] -TimeoutSec 1 -RetryCount 0 -PassThru",
                    servers.Select(s => s.Port).ToArray(), TestCertificates.Authority);
                watch.Stop();

                var results = run.Output.ToList();
                var byPort = servers.ToDictionary(s => s.Port);
                var deliveries = results.Select(r => byPort[(int)r.Get("Port")!].DeliveriesOf(r.Text("MessageId")!)).ToList();
                scenario.FuzzCases(SendCases);
                scenario.Lost(SendCases - results.Count + results.Where((r, i) => r.Text("Status") == "Sent" && deliveries[i] == 0).Count());
                scenario.Duplicated(deliveries.Count(d => d > 1));
                ReliabilityChecks.ErrorsAreActionable(run);
                Assert.Equal(servers.Select(s => s.Port), results.Select(r => (int)r.Get("Port")!));
                Assert.All(results.Zip(deliveries), pair => Assert.True(pair.First.Text("Status") != "Sent" || pair.Second == 1, $"Port {pair.First.Get("Port")}: reported Sent, delivered {pair.Second} times."));
                Assert.DoesNotContain(deliveries, d => d > 1);
                Assert.True(watch.Elapsed < DoesNotHang, $"{SendCases} sends took {watch.Elapsed}.");
                scenario.Survived();
            }
            finally
            {
                servers.ForEach(s => s.Dispose());
            }
        }

        // Case i answers step i % 4 with mutated bytes and behaves otherwise (TLS with the test CA's certificate).
        private static List<FakeSmtpServer> MutatedServers(int caseOffset)
        {
            var seed = ReplyMutator.Seed;
            return Enumerable.Range(caseOffset, Cases).Select(index =>
            {
                var mutated = FakeReply.Raw(ReplyMutator.Case(seed, index).Bytes);
                var step = index % 4;
                return new FakeSmtpServer(new FakeSmtpScript
                {
                    Certificate = TestCertificates.Good,
                    Greeting = step == 0 ? _ => mutated : null,
                    Command = (session, line) =>
                        step == 1 && !session.IsTls && line.StartsWith("EHLO", StringComparison.Ordinal) ? mutated
                        : step == 2 && line == "STARTTLS" ? mutated.ThenHangUp()
                        : step == 3 && session.IsTls && line.StartsWith("EHLO", StringComparison.Ordinal) ? mutated
                        : null,
                }, maxConnections: 8);
            }).ToList();
        }
    }
}
