namespace SmtpTools
{
    /// <summary>One cipher suite a server accepted at one TLS version: it chose it when offered with the others not yet found.</summary>
    public sealed class TlsCipherSuite
    {
        internal TlsCipherSuite(TlsProtocolVersion version, int code, string name, string? keyExchange, TlsCipherWeakness weakness)
        {
            Version = version;
            Code = code;
            Name = name;
            KeyExchange = keyExchange;
            Weakness = weakness;
        }

        /// <summary>The TLS version of the handshake that accepted it.</summary>
        public TlsProtocolVersion Version { get; }

        /// <summary>The suite's IANA name ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), or its hex code when the name is not known.</summary>
        public string Name { get; }

        /// <summary>The suite's 16-bit code (0xC02F), as the handshake carries it.</summary>
        public int Code { get; }

        /// <summary>The key exchange the suite names (ECDHE, DHE, RSA, DH, ECDH); null for TLS 1.3 suites, which leave it to the groups.</summary>
        public string? KeyExchange { get; }

        /// <summary>What is wrong with it; None for a suite current advice accepts.</summary>
        public TlsCipherWeakness Weakness { get; }

        /// <summary>True when <see cref="Weakness"/> is not None.</summary>
        public bool IsWeak => Weakness != TlsCipherWeakness.None;

        /// <summary>
        /// Its rank in the server's own order (1 = what the server picks first), when the server imposes one
        /// (<see cref="TlsCipherOrder.Server"/>); null when the client's order decides.
        /// </summary>
        public int? Preference { get; internal set; }

        /// <inheritdoc />
        public override string ToString() => Name;
    }
}
