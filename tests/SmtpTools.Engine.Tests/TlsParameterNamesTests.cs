using SmtpTools.Tls;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    public sealed class TlsParameterNamesTests
    {
        [Theory]
        [InlineData(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")]
        [InlineData(0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")]
        [InlineData(0x1301, "TLS_AES_128_GCM_SHA256")]
        [InlineData(0x1303, "TLS_CHACHA20_POLY1305_SHA256")]
        [InlineData(0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA")]
        [InlineData(0xFEFE, "0xFEFE")]
        public void Names_cipher_suites_as_IANA_does_and_unknown_ones_in_hex(int value, string expected)
        {
            Assert.Equal(expected, TlsParameterNames.CipherSuite(value));
        }

        [Theory]
        [InlineData(29, "x25519")]
        [InlineData(23, "secp256r1")]
        [InlineData(256, "ffdhe2048")]
        [InlineData(-1, null)]
        public void Names_key_exchange_groups(int value, string? expected)
        {
            Assert.Equal(expected, TlsParameterNames.Group(value));
        }

        [Theory]
        [InlineData("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", null, "ECDHE")]
        [InlineData("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", null, "DHE")]
        [InlineData("TLS_RSA_WITH_AES_128_CBC_SHA", null, "RSA")]
        [InlineData("TLS_AES_256_GCM_SHA384", "x25519", "ECDHE")]
        [InlineData("TLS_AES_256_GCM_SHA384", "ffdhe3072", "DHE")]
        [InlineData("TLS_AES_256_GCM_SHA384", "X25519MLKEM768", "ECDHE+ML-KEM")]
        [InlineData("TLS_AES_256_GCM_SHA384", null, null)]
        public void Derives_the_key_exchange_from_the_suite_up_to_TLS_1_2_and_from_the_group_in_TLS_1_3(string suite, string? group, string? expected)
        {
            Assert.Equal(expected, TlsParameterNames.KeyExchange(suite, group));
        }
    }
}
