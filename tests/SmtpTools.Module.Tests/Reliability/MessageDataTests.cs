using System;
using System.IO;
using System.Linq;
using System.Text;
using MimeKit;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// SMTP smuggling (RFC 5321 2.3.8, 4.5.2): a body with bare CR, bare LF and lone dots must reach the wire as CRLF
    /// lines only, dot-stuffed, so that no server, however it reads line ends, sees the data end early and a second
    /// transaction start. The fake server records the DATA bytes exactly as they arrived.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class MessageDataTests : IClassFixture<ModuleFixture>
    {
        // A bare-CR "end of data" followed by a smuggled transaction, a bare-LF one, and text needing 8 bits.
        private const string HostileBody =
            "hello\r.\r\r\nMAIL FROM:<mallory@evil.test>\r\nRCPT TO:<victim@fake.test>\r\nDATA\r\nsmuggled\n.\nlone LF\r\n.\r\nnot the end, h\u00e9llo";

        private static readonly string[] EightBit = { "PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES" };
        private static readonly string[] SevenBit = { "PIPELINING", "SIZE 10240000", "ENHANCEDSTATUSCODES" };

        private readonly ModuleFixture _fixture;

        public MessageDataTests(ModuleFixture fixture) => _fixture = fixture;

        [Theory]
        [InlineData("text body", "-Body $args[2]", true)]
        [InlineData("text body", "-Body $args[2]", false)]
        [InlineData("HTML body", "-Body $args[2] -BodyAsHtml", true)]
        [InlineData("HTML body", "-Body $args[2] -BodyAsHtml", false)]
        [InlineData("text and HTML alternatives", "-Body $args[2] -HtmlBody $args[2]", true)]
        [InlineData("text and HTML alternatives", "-Body $args[2] -HtmlBody $args[2]", false)]
        public void A_body_with_bare_CR_and_LF_reaches_the_wire_as_canonical_CRLF_lines(string body, string parameters, bool eightBitMime)
        {
            using var scenario = ReliabilityTally.Scenario($"SMTP smuggling, {body}, {(eightBitMime ? "8BITMIME" : "7-bit")} server");
            using var server = new FakeSmtpServer(new FakeSmtpScript { Certificate = TestCertificates.Good, Extensions = eightBitMime ? EightBit : SevenBit });

            var run = _fixture.PowerShell.Run(
                "Send-SecureMail -From carol@fake.test -To dave@fake.test -Subject smuggle -SmtpServer 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -RetryCount 0 -PassThru " + parameters,
                server.Port, TestCertificates.Authority, HostileBody);

            var message = Assert.Single(server.Messages);
            var problem = WireProblem(message.RawData);
            scenario.Hostile(HostileCase.CanonicalBody, problem == null);
            Assert.Empty(run.Errors);
            Assert.Equal("Sent", Assert.Single(run.Output).Text("Status"));
            Assert.Null(problem);
            Assert.Single(server.Commands, c => c.Line.StartsWith("MAIL", StringComparison.Ordinal));
            var received = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(message.Data)));
            Assert.All(new[] { received.TextBody, received.HtmlBody }.Where(b => b != null), b => Assert.Contains("smuggled", b));
            scenario.Survived();
        }

        // Null when every line ends in CRLF, no CR or LF stands alone, and the only lone dot is the terminating one.
        private static string? WireProblem(byte[] data)
        {
            for (var i = 0; i < data.Length; i++)
            {
                if (data[i] == '\r' && (i + 1 == data.Length || data[i + 1] != '\n'))
                {
                    return $"bare CR at byte {i}";
                }

                if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
                {
                    return $"bare LF at byte {i}";
                }
            }

            var lines = Encoding.UTF8.GetString(data).Split("\r\n");
            var dots = lines.Select((l, n) => (l, n)).Where(x => x.l == ".").Select(x => x.n).ToArray();
            return dots.SequenceEqual(new[] { lines.Length - 2 }) && lines[^1].Length == 0 ? null : $"lone dot lines at {string.Join(", ", dots)} of {lines.Length}";
        }
    }
}
