using System.Threading.Tasks;
using SmtpTools.Probing;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>Names that can never resolve are refused before any lookup leaves the machine.</summary>
    public sealed class HostNameSyntaxTests
    {
        [Theory]
        [InlineData("localhost")]
        [InlineData("mail.example.com")]
        [InlineData("mail.example.com.")]
        [InlineData("smtp_relay.corp.example")]
        [InlineData("xn--bcher-kva.example")]
        [InlineData("bücher.example")]
        [InlineData("127.0.0.1")]
        [InlineData("::1")]
        [InlineData("[::1]")]
        [InlineData("  mail.example.com  ")]
        public void Accepts_names_and_addresses(string host)
        {
            Assert.Null(HostNameSyntax.FindProblem(host));
        }

        [Theory]
        [InlineData("", "empty")]
        [InlineData("   ", "empty")]
        [InlineData("mail server.example", "space")]
        [InlineData("mail.example.com\r\nRCPT TO:<x@y>", "line break")]
        [InlineData("smtp://mail.example.com", "URL")]
        [InlineData("postmaster@example.com", "e-mail address")]
        [InlineData("mail.example.com:587", "-Port")]
        [InlineData("mail..example.com", "empty label")]
        [InlineData("-mail.example.com", "characters")]
        [InlineData("mail!.example.com", "characters")]
        [InlineData("mail.\ud800.example", "international")]
        public void Refuses_what_cannot_be_a_host_name_and_says_why(string host, string reason)
        {
            Assert.Contains(reason, HostNameSyntax.FindProblem(host));
        }

        [Fact]
        public void Refuses_names_beyond_DNS_limits()
        {
            Assert.Contains("63", HostNameSyntax.FindProblem(new string('a', 64) + ".example"));
            Assert.Contains("253", HostNameSyntax.FindProblem(string.Join(".", System.Linq.Enumerable.Repeat(new string('a', 60), 5))));
        }

        [Fact]
        public async Task Resolving_a_bad_name_fails_at_once_without_a_lookup()
        {
            var e = await Assert.ThrowsAsync<SmtpConnectionException>(() => SmtpTools.Protocol.SmtpWireSession.ResolveAsync("mail.example.com:587", System.TimeSpan.FromSeconds(5), default));
            Assert.Equal(SmtpFailureKind.NameNotResolved, e.Kind);
            Assert.Contains("Nothing was looked up", e.Message);
        }
    }
}
