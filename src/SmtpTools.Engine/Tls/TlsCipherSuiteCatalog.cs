using System;
using System.Collections.Generic;
using System.Linq;
using Org.BouncyCastle.Tls;

namespace SmtpTools.Tls
{
    /// <summary>
    /// Which cipher suites the cipher scan offers at each TLS version, and what is wrong with each, from its IANA name.
    /// The candidates are every registry suite BouncyCastle names (328 in 2.7.0: RC4, EXPORT, DES, NULL and anonymous
    /// ones included) that is valid for the version. The scan only needs the server's ServerHello, never a finished
    /// handshake, so a suite counts whether or not BouncyCastle's crypto could complete it (it has no RC4, DES or
    /// EXPORT ciphers). Left out: signalling values, and PSK, SRP and KRB5 suites, which a server picks only for a
    /// client that holds a pre-shared key or password.
    /// </summary>
    internal static class TlsCipherSuiteCatalog
    {
        /// <summary>In words, what the scan cannot tell (for help, notes and the report).</summary>
        public const string NotTested = "SSL 2.0 and 3.0 suites (BouncyCastle does not speak SSL), PSK, SRP and KRB5 suites (they need a pre-shared key or password), and codes outside the IANA registry";

        private static readonly string[] NeedCredentials = { "_PSK_", "_SRP_", "_KRB5_" };

        private static readonly Dictionary<TlsProtocolVersion, int[]> Candidates = new Dictionary<TlsProtocolVersion, int[]>();

        /// <summary>The suites offered at <paramref name="version"/>, modern ones first (so a server that follows the client's order picks those first).</summary>
        public static IReadOnlyList<int> CandidatesFor(TlsProtocolVersion version)
        {
            lock (Candidates)
            {
                if (!Candidates.TryGetValue(version, out var list))
                {
                    var bc = TlsVersionScanner.ToBouncyCastle(version);
                    list = TlsParameterNames.KnownCipherSuites
                        .Where(p => IsOfferable(p.Key, p.Value) && TlsUtilities.IsValidVersionForCipherSuite(p.Key, bc))
                        .OrderBy(p => Rank(p.Value))
                        .ThenBy(p => p.Key)
                        .Select(p => p.Key)
                        .ToArray();
                    Candidates.Add(version, list);
                }

                return list;
            }
        }

        /// <summary>A suite the scan found accepted, named and judged.</summary>
        public static TlsCipherSuite Describe(TlsProtocolVersion version, int code)
        {
            var name = TlsParameterNames.CipherSuite(code);
            return new TlsCipherSuite(version, code, name, KeyExchangeOf(name), WeaknessOf(name));
        }

        /// <summary>What is wrong with the suite named <paramref name="name"/> (RFC 9325 4.1, RFC 7465, RFC 6151).</summary>
        public static TlsCipherWeakness WeaknessOf(string name)
        {
            var weakness = TlsCipherWeakness.None;
            bool Has(string part) => name.IndexOf(part, StringComparison.Ordinal) >= 0;
            if (Has("_anon_"))
            {
                weakness |= TlsCipherWeakness.Anonymous;
            }

            if (Has("_WITH_NULL_"))
            {
                weakness |= TlsCipherWeakness.NullEncryption;
            }

            if (Has("_EXPORT"))
            {
                weakness |= TlsCipherWeakness.Export;
            }

            if (Has("_RC4_"))
            {
                weakness |= TlsCipherWeakness.Rc4;
            }

            if (Has("_WITH_DES_") || Has("_DES40_"))
            {
                weakness |= TlsCipherWeakness.Des;
            }

            if (Has("_3DES_"))
            {
                weakness |= TlsCipherWeakness.TripleDes;
            }

            var kex = KeyExchangeOf(name);
            if (kex == "RSA" || kex == "DH" || kex == "ECDH")
            {
                weakness |= TlsCipherWeakness.NoForwardSecrecy;
            }

            if (name.EndsWith("_CBC_SHA", StringComparison.Ordinal))
            {
                weakness |= TlsCipherWeakness.CbcSha1;
            }

            if (name.EndsWith("_MD5", StringComparison.Ordinal))
            {
                weakness |= TlsCipherWeakness.Md5;
            }

            return weakness;
        }

        // TLS_DHE_RSA_WITH_... -> DHE; TLS_DH_anon_WITH_... -> DH (anonymous, ephemeral: the Anonymous flag says it); TLS 1.3 -> null.
        private static string? KeyExchangeOf(string name)
        {
            var with = name.IndexOf("_WITH_", StringComparison.Ordinal);
            if (!name.StartsWith("TLS_", StringComparison.Ordinal) || with < 0)
            {
                return null;
            }

            var kex = name.Substring(4, with - 4);
            if (kex.EndsWith("_anon", StringComparison.Ordinal))
            {
                return kex.Substring(0, kex.Length - 5) + "E";
            }

            var underscore = kex.IndexOf('_');
            return underscore > 0 ? kex.Substring(0, underscore) : kex;
        }

        private static bool IsOfferable(int code, string name) =>
            name.StartsWith("TLS_", StringComparison.Ordinal) && code != CipherSuite.TLS_NULL_WITH_NULL_NULL && !CipherSuite.IsScsv(code)
            && !NeedCredentials.Any(p => name.IndexOf(p, StringComparison.Ordinal) >= 0);

        // 0: forward-secret AEAD; 1: other sound suites; 2: weak ones. Within a rank, by code.
        private static int Rank(string name)
        {
            var weakness = WeaknessOf(name);
            if (weakness != TlsCipherWeakness.None)
            {
                return 2;
            }

            return name.IndexOf("_GCM_", StringComparison.Ordinal) >= 0 || name.IndexOf("CHACHA20", StringComparison.Ordinal) >= 0 || name.IndexOf("_CCM", StringComparison.Ordinal) >= 0 ? 0 : 1;
        }
    }
}
