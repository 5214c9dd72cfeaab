using System;

namespace SmtpTools
{
    /// <summary>What is wrong with a cipher suite, from its IANA name; flags, so one suite can have several (<c>-band</c> to test one).</summary>
    [Flags]
    public enum TlsCipherWeakness
    {
        /// <summary>Nothing known: an AEAD or CBC-SHA-2 suite with an ephemeral, authenticated key exchange.</summary>
        None = 0,

        /// <summary>No server authentication (DH_anon, ECDH_anon): anyone on the path can sit in the middle.</summary>
        Anonymous = 1,

        /// <summary>No encryption at all (WITH_NULL): the session is readable by anyone on the path.</summary>
        NullEncryption = 2,

        /// <summary>An export suite: 40- or 56-bit keys or 512-bit key exchange, broken in minutes (FREAK, Logjam).</summary>
        Export = 4,

        /// <summary>RC4, prohibited by RFC 7465.</summary>
        Rc4 = 8,

        /// <summary>Single DES (56-bit keys), broken.</summary>
        Des = 16,

        /// <summary>3DES: a 64-bit block, open to Sweet32 on long sessions (RFC 9325 4.1).</summary>
        TripleDes = 32,

        /// <summary>No forward secrecy: static RSA (or static DH/ECDH) key exchange, so a stolen server key decrypts recorded sessions.</summary>
        NoForwardSecrecy = 64,

        /// <summary>CBC with an HMAC-SHA1 MAC: MAC-then-encrypt, the family of Lucky13 and POODLE-style padding attacks; RFC 9325 recommends AEAD.</summary>
        CbcSha1 = 128,

        /// <summary>An MD5 MAC (RFC 6151).</summary>
        Md5 = 256,
    }
}
