using SmtpTools.Tls;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    public sealed class HostNameMatchingTests
    {
        [Theory]
        [InlineData("mail.example.com", "DNS:mail.example.com", true)]
        [InlineData("MAIL.Example.COM.", "DNS:mail.example.com", true)]
        [InlineData("mail.example.com", "DNS:*.example.com", true)]
        [InlineData("a.mail.example.com", "DNS:*.example.com", false)]
        [InlineData("example.com", "DNS:*.example.com", false)]
        [InlineData("example.com", "DNS:*.com", false)]
        [InlineData("127.0.0.1", "IP:127.0.0.1", true)]
        [InlineData("::1", "IP:::1", true)]
        [InlineData("[::1]", "IP:::1", true)]
        [InlineData("127.0.0.1", "DNS:127.0.0.1", false)]
        [InlineData("other.example.com", "DNS:mail.example.com", false)]
        [InlineData("Mail.EXAMPLE.com", "DNS:*.Example.Com", true)]
        [InlineData("b\u00fccher.example", "DNS:xn--bcher-kva.example", true)]
        [InlineData("127.0.0.2", "IP:127.0.0.1", false)]
        [InlineData("mail.example.com", "DNS:mail.example.com.", true)]
        public void Matches_host_names_as_RFC_6125_says(string host, string san, bool expected)
        {
            Assert.Equal(expected, CertificateInspector.MatchesHostName(new[] { san }, host));
        }
    }
}
