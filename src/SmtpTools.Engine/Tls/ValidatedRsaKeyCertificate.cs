using System;
using System.Collections.Concurrent;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace SmtpTools.Tls
{
    /// <summary>
    /// A server certificate as the scanner's BouncyCastle handshakes see it, whose RSA public key is built (and
    /// validated) once per process instead of once per handshake. BouncyCastle checks every RSA modulus it is given
    /// with Miller-Rabin rounds (RsaKeyParameters.Validate): about 80% of a scan handshake's processor time with a
    /// 2048-bit key, paid four times per audit (one handshake per TLS version) for the same key. The check's answer
    /// depends on the modulus alone, so it is kept, keyed by the encoded public key.
    /// </summary>
    internal sealed class ValidatedRsaKeyCertificate : BcTlsCertificate
    {
        private const int MaxKeys = 256;

        private static readonly ConcurrentDictionary<string, Lazy<RsaKeyParameters>> Keys = new ConcurrentDictionary<string, Lazy<RsaKeyParameters>>(StringComparer.Ordinal);

        public ValidatedRsaKeyCertificate(BcTlsCrypto crypto, byte[] encoding)
            : base(crypto, encoding)
        {
        }

        public override RsaKeyParameters GetPubKeyRsa()
        {
            if (Keys.Count > MaxKeys)
            {
                Keys.Clear(); // a long sweep over many servers: start over rather than grow
            }

            var key = System.Convert.ToBase64String(SubjectPublicKeyInfo.GetEncoded());
            return Keys.GetOrAdd(key, _ => new Lazy<RsaKeyParameters>(() => base.GetPubKeyRsa())).Value;
        }
    }
}
