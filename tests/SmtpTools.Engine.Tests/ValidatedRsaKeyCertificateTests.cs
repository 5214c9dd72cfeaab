using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tls;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The version scan's handshakes validate a server's RSA key once, not once per TLS version.</summary>
    public sealed class ValidatedRsaKeyCertificateTests
    {
        [Fact]
        public void Two_handshakes_with_the_same_certificate_share_one_validated_RSA_key()
        {
            var crypto = new BcTlsCrypto(new SecureRandom());
            var encoding = TestCertificates.Good.RawData;

            var first = new ValidatedRsaKeyCertificate(crypto, encoding).GetPubKeyRsa();
            var second = new ValidatedRsaKeyCertificate(new BcTlsCrypto(new SecureRandom()), encoding).GetPubKeyRsa();

            Assert.Same(first, second);
            Assert.Equal(new BcTlsCertificate(crypto, encoding).GetPubKeyRsa().Modulus, first.Modulus);
        }
    }
}
