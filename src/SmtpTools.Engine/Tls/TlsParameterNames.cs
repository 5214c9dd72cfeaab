using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using Org.BouncyCastle.Tls;

namespace SmtpTools.Tls
{
    /// <summary>
    /// Names from the IANA "TLS Parameters" registry for the numbers a handshake carries: cipher suites (BouncyCastle's
    /// CipherSuite constants carry the registry names, read once), named groups, and the key exchange they imply.
    /// </summary>
    internal static class TlsParameterNames
    {
        private static readonly Lazy<IReadOnlyDictionary<int, string>> CipherSuites = new Lazy<IReadOnlyDictionary<int, string>>(ReadCipherSuiteNames);

        /// <summary>Every registry cipher suite BouncyCastle names, by code.</summary>
        public static IReadOnlyDictionary<int, string> KnownCipherSuites => CipherSuites.Value;

        /// <summary>"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" for 0xC02F; "0x1234" for a number not in the registry.</summary>
        public static string CipherSuite(int value) =>
            CipherSuites.Value.TryGetValue(value, out var name) ? name : "0x" + value.ToString("X4", CultureInfo.InvariantCulture);

        /// <summary>"x25519", "secp256r1", "ffdhe2048"...; null for -1 (none) and numbers not in the registry.</summary>
        public static string? Group(int value)
        {
            if (value < 0)
            {
                return null;
            }

            var name = NamedGroup.GetName(value);
            return string.IsNullOrEmpty(name) || name.StartsWith("UNKNOWN", StringComparison.Ordinal) ? null : name;
        }

        /// <summary>
        /// The key exchange a handshake used. Up to TLS 1.2 the cipher suite names it (TLS_ECDHE_RSA_... is ECDHE);
        /// TLS 1.3 suites do not, so the group decides (ffdhe* is DHE, ML-KEM hybrids are named as such).
        /// </summary>
        public static string? KeyExchange(string? cipherSuite, string? group)
        {
            if (cipherSuite != null && cipherSuite.StartsWith("TLS_", StringComparison.Ordinal) && cipherSuite.IndexOf("_WITH_", StringComparison.Ordinal) > 0)
            {
                var kex = cipherSuite.Substring(4, cipherSuite.IndexOf("_WITH_", StringComparison.Ordinal) - 4);
                var underscore = kex.IndexOf('_');
                return underscore > 0 ? kex.Substring(0, underscore) : kex; // ECDHE_RSA -> ECDHE, RSA -> RSA
            }

            if (group == null)
            {
                return null;
            }

            if (group.StartsWith("ffdhe", StringComparison.OrdinalIgnoreCase))
            {
                return "DHE";
            }

            if (group.IndexOf("MLKEM", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                return group.StartsWith("MLKEM", StringComparison.OrdinalIgnoreCase) ? "ML-KEM" : "ECDHE+ML-KEM";
            }

            return "ECDHE";
        }

        private static IReadOnlyDictionary<int, string> ReadCipherSuiteNames()
        {
            var names = new Dictionary<int, string>();
            var constants = typeof(Org.BouncyCastle.Tls.CipherSuite)
                .GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(int) && f.Name.StartsWith("TLS_", StringComparison.Ordinal));
            foreach (var field in constants)
            {
                var value = (int)field.GetRawConstantValue()!;
                if (!names.ContainsKey(value))
                {
                    names.Add(value, field.Name);
                }
            }

            return names;
        }
    }
}
