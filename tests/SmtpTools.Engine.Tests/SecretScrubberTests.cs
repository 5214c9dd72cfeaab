using System;
using System.Linq;
using System.Text;
using SmtpTools.Protocol;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>
    /// The product's scrubber removes every wire form of a secret; the tests' own detector (SecretForms, the oracle of the
    /// reliability suite's "credentials leaked" figure) finds every form however it is wrapped.
    /// </summary>
    public sealed class SecretScrubberTests
    {
        private const string User = "alice@example.test";
        private const string Password = "pa55-Wörd-with-umlaut";
        private const string Token = "ya29.a0AfB_byC-token-value";

        [Theory]
        [InlineData("535 5.7.8 Authentication failed for {PLAIN}")]
        [InlineData("535 5.7.8 bad password {LOGIN}")]
        [InlineData("535 5.7.8 {WRAPPED}")]
        [InlineData("said {RAW} in clear")]
        public void Scrubs_the_password_in_every_form_a_server_may_echo(string echo)
        {
            var scrubber = SecretScrubber.ForPassword(User, Password);
            var plain = B64("\0" + User + "\0" + Password);
            var text = echo.Replace("{PLAIN}", plain).Replace("{LOGIN}", B64(Password)).Replace("{WRAPPED}", B64("x" + Password + "\0trailing")).Replace("{RAW}", Password);

            var scrubbed = scrubber.Scrub(text);

            Assert.True(scrubber.Finds(text));
            Assert.False(scrubber.Finds(scrubbed));
            Assert.Contains(SecretScrubber.Redacted, scrubbed);
            Assert.Equal(0, SecretForms.CountHits(new[] { scrubbed }, SecretForms.OfPassword(User, Password)));
        }

        [Fact]
        public void Scrubs_the_token_inside_an_XOAUTH2_blob()
        {
            var scrubber = SecretScrubber.ForToken(User, Token);
            var blob = B64("user=" + User + "\u0001auth=Bearer " + Token + "\u0001\u0001");

            Assert.Equal("535 " + SecretScrubber.Redacted, scrubber.Scrub("535 " + blob));
        }

        [Fact]
        public void The_detector_finds_the_secret_in_base64_whatever_bytes_precede_it()
        {
            var forms = SecretForms.OfPassword(User, Password);
            var random = new Random(4711);
            for (var prefix = 0; prefix < 40; prefix++)
            {
                var before = new string(Enumerable.Range(0, prefix).Select(_ => (char)random.Next('a', 'z')).ToArray());
                Assert.True(SecretForms.CountHits(new[] { B64(before + Password + "tail") }, forms) > 0, $"Missed behind {prefix} bytes.");
            }
        }

        [Fact]
        public void Knows_nothing_without_a_secret()
        {
            Assert.Empty(SecretScrubber.ForPassword(User, null).Forms);
            Assert.Equal("250 ok", SecretScrubber.None.Scrub("250 ok"));
        }

        private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
    }
}
