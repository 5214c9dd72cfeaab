using System;
using System.Collections.Generic;
using System.Linq;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// A server whose text carries terminal escape sequences (OSC 0 retitles the window, SGR 31 turns it red): none of
    /// it may reach the console from a view, an error message or a verbose line; the raw text stays in the property.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class TerminalSafetyTests : IClassFixture<ModuleFixture>
    {
        private const string Hostile = "\u001b]0;pwned\u0007\u001b[31m";
        private const string Shown = "\\x1B]0;pwned\\x07\\x1B[31m";

        private readonly ModuleFixture _fixture;

        public TerminalSafetyTests(ModuleFixture fixture) => _fixture = fixture;

        [Theory]
        [InlineData("Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 | Format-List")]
        [InlineData("Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -SkipTlsVersionScan")]
        public void A_banner_with_escape_sequences_is_shown_escaped(string command)
        {
            using var scenario = ReliabilityTally.Scenario("terminal escapes in the banner: " + command.Split(' ')[0]);
            using var server = new FakeSmtpServer(new FakeSmtpScript
            {
                Certificate = TestCertificates.Good,
                Greeting = _ => FakeReply.Say("220 fake.smtptools.test ESMTP " + Hostile + " ready"),
            });

            var screen = _fixture.Views.Render(command, server.Port, TestCertificates.Authority);

            var clean = Neutralised(screen.Lines);
            scenario.Hostile(HostileCase.EscapeNeutralised, clean);
            Assert.True(clean, "A control character reached the screen:\n" + string.Join("\n", screen.Lines));
            Assert.Contains(screen.Lines, l => l.Contains(Shown, StringComparison.Ordinal));
            scenario.Survived();
        }

        [Fact]
        public void The_raw_banner_stays_in_the_property_for_scripts()
        {
            using var server = new FakeSmtpServer(new FakeSmtpScript
            {
                Certificate = TestCertificates.Good,
                Greeting = _ => FakeReply.Say("220 fake.smtptools.test ESMTP " + Hostile + " ready"),
            });

            var run = _fixture.PowerShell.Run("Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5", server.Port, TestCertificates.Authority);

            Assert.Contains(Hostile, Assert.Single(run.Output).Text("Banner"));
        }

        [Fact]
        public void A_reply_with_escape_sequences_reaches_Send_SecureMail_error_and_verbose_lines_escaped()
        {
            using var scenario = ReliabilityTally.Scenario("terminal escapes in a 554 reply: Send-SecureMail error and verbose");
            using var server = new FakeSmtpServer(new FakeSmtpScript
            {
                Certificate = TestCertificates.Good,
                Command = (_, line) => line.StartsWith("MAIL", StringComparison.Ordinal) ? FakeReply.Say("554 5.7.1 " + Hostile + " go away") : null,
            });

            var run = _fixture.PowerShell.Run(
                "Send-SecureMail -From carol@fake.test -To dave@fake.test -Subject esc -SmtpServer 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -RetryCount 0 -Verbose",
                server.Port, TestCertificates.Authority);

            var shown = run.Errors.Select(e => e.ToString()).Concat(run.Verbose).Concat(run.Warnings).ToList();
            var clean = Neutralised(shown);
            scenario.Hostile(HostileCase.EscapeNeutralised, clean);
            Assert.NotEmpty(run.Errors);
            Assert.True(clean, "A control character reached the console:\n" + string.Join("\n", shown));
            Assert.Contains(run.Errors, e => e.ToString().Contains(Shown, StringComparison.Ordinal));
            scenario.Survived();
        }

        private static bool Neutralised(IEnumerable<string> lines) =>
            lines.All(l => !l.Any(c => c < 0x20 && c != '\t' || c >= 0x7f && c <= 0x9f));
    }
}
