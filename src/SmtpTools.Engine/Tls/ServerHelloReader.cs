using System;
using Org.BouncyCastle.Tls;

namespace SmtpTools.Tls
{
    /// <summary>
    /// Reads the server's first TLS answer from the raw bytes, as far as the cipher scan needs it: the alert, or the
    /// ServerHello's version and cipher suite (RFC 5246 7.4.1.3, RFC 8446 4.1.3; a HelloRetryRequest has the same
    /// shape and names the suite too). Reading it here rather than in BouncyCastle's handshake means a suite counts as
    /// accepted even when BouncyCastle's crypto could not finish the handshake with it (RC4, DES, EXPORT).
    /// </summary>
    internal static class ServerHelloReader
    {
        /// <summary>More than this without a verdict is not a TLS server answering a ClientHello.</summary>
        public const int MaxBytes = 64 * 1024;

        private const byte AlertRecord = 21;
        private const byte HandshakeRecord = 22;
        private const byte ServerHelloMessage = 2;

        /// <summary>The answer in the first <paramref name="count"/> bytes, or null when more bytes are needed.</summary>
        /// <param name="offered">The version offered: a ServerHello for another one is a fault, not an answer.</param>
        public static CipherOffer? TryRead(byte[] data, int count, TlsProtocolVersion offered)
        {
            var handshake = new byte[Math.Min(count, 512)];
            var have = 0;
            var position = 0;
            while (position + 5 <= count)
            {
                var type = data[position];
                var length = (data[position + 3] << 8) | data[position + 4];
                if (data[position + 1] != 3 || (type != AlertRecord && type != HandshakeRecord))
                {
                    return CipherOffer.Failed(type == 0x32 || type == 0x34 || type == 0x35
                        ? "The server answered in plaintext, not with TLS."
                        : $"The server's answer is not a TLS handshake (record type {type}).");
                }

                var body = position + 5;
                var available = Math.Min(length, count - body);
                if (type == AlertRecord)
                {
                    return available < 2 ? null : FromAlert(data[body + 1]);
                }

                var copy = Math.Min(available, handshake.Length - have);
                Array.Copy(data, body, handshake, have, copy);
                have += copy;
                var answer = FromServerHello(handshake, have, offered);
                if (answer != null || available < length)
                {
                    return answer;
                }

                position = body + length;
            }

            return count >= MaxBytes ? CipherOffer.Failed("The server sent more than 64 KB without a ServerHello.") : null;
        }

        private static CipherOffer FromAlert(short description)
        {
            switch (description)
            {
                case AlertDescription.handshake_failure:
                case AlertDescription.insufficient_security:
                    return CipherOffer.NoneInCommon;
                case AlertDescription.protocol_version:
                    return CipherOffer.VersionRefused;
                default:
                    return CipherOffer.Failed($"The server answered with a {AlertDescription.GetName(description)} alert.");
            }
        }

        // type(1) length(3) version(2) random(32) session_id<0..32> cipher_suite(2): nothing further is needed.
        private static CipherOffer? FromServerHello(byte[] message, int have, TlsProtocolVersion offered)
        {
            if (have < 1)
            {
                return null;
            }

            if (message[0] != ServerHelloMessage)
            {
                return CipherOffer.Failed($"The server's first handshake message is not a ServerHello (type {message[0]}).");
            }

            if (have < 39 || have < 39 + message[38] + 2)
            {
                return null;
            }

            var version = (message[4] << 8) | message[5];
            var suite = (message[39 + message[38]] << 8) | message[40 + message[38]];
            var tls13Suite = (suite >> 8) == 0x13;
            if (offered == TlsProtocolVersion.Tls13 ? !tls13Suite : version != TlsVersionScanner.ToBouncyCastle(offered).FullVersion || tls13Suite)
            {
                return CipherOffer.Failed($"The server answered a {offered} offer with another version (0x{version:X4}, suite 0x{suite:X4}).");
            }

            return CipherOffer.Chosen(suite);
        }
    }
}
