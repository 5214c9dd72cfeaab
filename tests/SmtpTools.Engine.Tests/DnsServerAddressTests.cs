using SmtpTools.Discovery;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>-DnsServer takes IP addresses with an optional port, never names.</summary>
    public sealed class DnsServerAddressTests
    {
        [Theory]
        [InlineData("192.0.2.53", "192.0.2.53:53")]
        [InlineData("192.0.2.53:5353", "192.0.2.53:5353")]
        [InlineData("::1", "[::1]:53")]
        [InlineData("2001:db8::53", "[2001:db8::53]:53")]
        [InlineData("[2001:db8::53]:5353", "[2001:db8::53]:5353")]
        [InlineData("[::1]", "[::1]:53")]
        [InlineData(" 127.0.0.1:2553 ", "127.0.0.1:2553")]
        public void Parses_addresses_with_and_without_a_port(string text, string expected)
        {
            Assert.True(DnsServerAddress.TryParse(text, out var endpoint, out var problem), problem);
            Assert.Equal(expected, DnsServerAddress.Format(endpoint!));
        }

        [Theory]
        [InlineData("dns.example.com")]
        [InlineData("")]
        [InlineData("127.0.0.1:0")]
        [InlineData("127.0.0.1:65536")]
        [InlineData("127.0.0.1:53x")]
        [InlineData("[::1")]
        [InlineData("[::1]5353")]
        [InlineData("127.1")]
        public void Refuses_names_bad_addresses_and_bad_ports(string text)
        {
            Assert.False(DnsServerAddress.TryParse(text, out var endpoint, out var problem));
            Assert.Null(endpoint);
            Assert.NotEmpty(problem);
        }
    }
}
