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
    /// Get-SmtpCapability -Credential against a server that fails while the credential is being verified, or after:
    /// one report (or one error) per endpoint, an actionable error, no secret anywhere, no hang.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class CapabilityFaultTests : IClassFixture<ModuleFixture>
    {
        private const string Password = "Capability-SECRET-pw-0d4b";
        private static readonly TimeSpan DoesNotHang = TimeSpan.FromSeconds(30);

        private static readonly Dictionary<string, (Func<FakeSession, string, FakeReply?> Command, string AuthenticationResult)> Faults = new Dictionary<string, (Func<FakeSession, string, FakeReply?>, string)>
        {
            ["AUTH answered by a hang-up"] = ((_, line) => line.StartsWith("AUTH", StringComparison.Ordinal) ? FakeReply.HangUp : null, "Interrupted"),
            ["AUTH answered 454, temporary"] = ((_, line) => line.StartsWith("AUTH", StringComparison.Ordinal) ? FakeReply.Say("454 4.7.0 Temporary authentication failure") : null, "Failed"),
            ["AUTH answered with garbage"] = ((_, line) => line.StartsWith("AUTH", StringComparison.Ordinal) ? FakeReply.Say("HTTP/1.1 500 Oops") : null, "Interrupted"),
            ["AUTH answered byte by byte beyond the timeout"] = ((_, line) => line.StartsWith("AUTH", StringComparison.Ordinal) ? FakeReply.Say("235 " + new string('x', 300)).Dripped(TimeSpan.FromMilliseconds(100)) : null, "Interrupted"),
            ["EHLO inside TLS answered with mixed codes"] = ((s, line) => s.IsTls && line.StartsWith("EHLO", StringComparison.Ordinal) ? FakeReply.Say("250-fake\n252 AUTH PLAIN") : null, "NotAttempted"),
            ["QUIT never answered"] = ((_, line) => line == "QUIT" ? FakeReply.Silence : null, "Succeeded"),
        };

        private readonly ModuleFixture _fixture;

        public CapabilityFaultTests(ModuleFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> FaultNames => Faults.Keys.Select(k => new object[] { k });

        [Theory]
        [MemberData(nameof(FaultNames))]
        public void Get_SmtpCapability_gives_one_report_and_no_secret_whatever_fails_around_AUTH(string fault)
        {
            var (command, authenticationResult) = Faults[fault];
            using var scenario = ReliabilityTally.Scenario("Get-SmtpCapability -Credential fault: " + fault);
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, AuthMechanisms = "PLAIN", Command = command });
            var watch = Stopwatch.StartNew();
            var run = _fixture.PowerShell.Run(
                "$cred = [pscredential]::new('carol@fake.test', [System.Net.NetworkCredential]::new('', $args[0]).SecurePassword); " +
                "Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[1] -Credential $cred -TrustedCertificate $args[2] -TimeoutSec 1 -SkipTlsVersionScan -Verbose -Debug",
                Password, server.Port, TestCertificates.Authority);
            watch.Stop();

            var forms = SecretForms.OfPassword("carol@fake.test", Password);
            scenario.Leaked(ReliabilityChecks.SecretHits(new[] { run }, forms) + SecretForms.CountHits(server.ReceivedInClear, forms));
            Assert.True(watch.Elapsed < DoesNotHang, $"Get-SmtpCapability took {watch.Elapsed} ({fault}).");
            ReliabilityChecks.ErrorsAreActionable(run);
            var report = Assert.Single(run.Output);
            Assert.Equal(authenticationResult, report.Text("AuthenticationResult"));
            Assert.Equal(0, ReliabilityChecks.SecretHits(new[] { run }, forms));
            Assert.Equal(0, SecretForms.CountHits(server.ReceivedInClear, forms));
            scenario.Survived();
        }
    }
}
