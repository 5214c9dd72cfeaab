using System.Linq;
using Xunit;

namespace SmtpTools.Module.Tests
{
    public sealed class CompletionTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;

        public CompletionTests(ModuleFixture fixture) => _fixture = fixture;

        private string[] Complete(string input, out string[] tooltips)
        {
            var run = _fixture.PowerShell.Run(
                "$r = TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length; $r.CompletionMatches | ForEach-Object { $_.CompletionText + '|' + $_.ToolTip }",
                input);
            Assert.Empty(run.Errors);
            var pairs = run.Output.Select(o => o.ToString().Split('|', 2)).ToArray();
            tooltips = pairs.Select(p => p[1]).ToArray();
            return pairs.Select(p => p[0]).ToArray();
        }

        [Fact]
        public void Port_completes_the_four_submission_ports_with_what_each_is_for()
        {
            var ports = Complete("Test-SmtpPort -ComputerName localhost -Port ", out var tips);
            Assert.Equal(new[] { "465", "587", "25", "2525" }, ports);
            Assert.Contains(tips, t => t.Contains("implicit TLS") && t.Contains("RFC 8314"));
        }

        [Fact]
        public void Port_completion_filters_on_what_was_typed()
        {
            Assert.Equal(new[] { "25", "2525" }, Complete("Test-SmtpPort localhost -Port 2", out _));
        }

        [Theory]
        [InlineData("Get-SmtpCapability -ComputerName localhost -Port ")]
        [InlineData("Send-SecureMail -To a@example.com -From b@example.com -Port ")]
        public void Every_cmdlet_completes_Port_the_same_way(string input)
        {
            Assert.Equal(new[] { "465", "587", "25", "2525" }, Complete(input, out _));
        }

        [Theory]
        [InlineData("Send-SecureMail -To a@example.com -From b@example.com -Security ", new[] { "Auto", "ImplicitTls", "StartTls", "None" })]
        [InlineData("Get-SmtpCapability localhost -Security Imp", new[] { "ImplicitTls" })]
        [InlineData("Send-SecureMail -To a@example.com -From b@example.com -MinimumTlsVersion Tls1", new[] { "Tls10", "Tls11", "Tls12", "Tls13" })]
        [InlineData("Send-SecureMail -To a@example.com -From b@example.com -Priority ", new[] { "Normal", "Low", "High" })]
        public void Enum_parameters_complete_their_values(string input, string[] expected)
        {
            Assert.Equal(expected.OrderBy(v => v), Complete(input, out _).OrderBy(v => v));
        }
    
        [Fact]
        public void Encoding_completes_the_names_it_understands_with_what_each_gives()
        {
            var names = Complete("Send-SecureMail -To a@example.com -From b@example.com -Encoding ", out var tips);

            Assert.Equal("UTF8", names[0]);
            Assert.Contains("Latin1", names);
            Assert.Contains("ASCII", names);
            Assert.Contains(tips, t => t.Contains("default"));
        }

        [Fact]
        public void Encoding_completion_filters_on_what_was_typed_and_every_name_is_accepted()
        {
            var names = Complete("Send-SecureMail -To a@example.com -From b@example.com -Encoding utf", out _);
            Assert.Equal(new[] { "UTF8", "utf8NoBOM", "utf8BOM", "UTF32" }, names);

            // Each completed name binds: -WhatIf stops before any connection.
            foreach (var name in names)
            {
                var run = _fixture.PowerShell.Run("Send-SecureMail -To a@example.com -From b@example.com -SmtpServer localhost -Subject s -Encoding $args[0] -WhatIf", name);
                Assert.Null(run.Terminating);
                Assert.Empty(run.Errors);
            }
        }
    }
}
