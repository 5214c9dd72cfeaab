using System;

namespace SmtpTools
{
    /// <summary>Whether a server accepts one TLS version, found with a handshake that offered only that version.</summary>
    public sealed class TlsVersionSupport
    {
        internal TlsVersionSupport(TlsProtocolVersion version, TlsVersionOutcome outcome, TimeSpan duration)
        {
            Version = version;
            Outcome = outcome;
            Duration = duration;
        }

        /// <summary>The version that was offered.</summary>
        public TlsProtocolVersion Version { get; }

        /// <summary>What the server answered.</summary>
        public TlsVersionOutcome Outcome { get; }

        /// <summary>True when the server has this version enabled (<see cref="TlsVersionOutcome.Accepted"/> or <see cref="TlsVersionOutcome.AcceptedNoCommonCipher"/>).</summary>
        public bool IsAccepted => Outcome == TlsVersionOutcome.Accepted || Outcome == TlsVersionOutcome.AcceptedNoCommonCipher;

        /// <summary>The cipher suite the server chose, IANA name (hex when the name is not known); null unless accepted.</summary>
        public string? CipherSuite { get; internal set; }

        /// <summary>The key exchange of that handshake: ECDHE, DHE, RSA, ECDHE+ML-KEM...; null unless accepted.</summary>
        public string? KeyExchange { get; internal set; }

        /// <summary>The group the server chose for the key exchange (x25519, secp256r1, ffdhe2048...); null when none or not known.</summary>
        public string? KeyExchangeGroup { get; internal set; }

        /// <summary>The TLS alert that ended the handshake (protocol_version, handshake_failure...), or null.</summary>
        public string? Alert { get; internal set; }

        /// <summary>Why there is no verdict, when <see cref="Outcome"/> is <see cref="TlsVersionOutcome.Failed"/>; otherwise null.</summary>
        public string? Detail { get; internal set; }

        /// <summary>Time from connecting to the end of the handshake (STARTTLS included).</summary>
        // A TimeSpan inside a list of a result is three levels deep, beyond ConvertTo-Json's default depth; the
        // milliseconds are what a reader wants anyway.
        internal TimeSpan Duration { get; }

        /// <summary>Milliseconds from connecting to the end of the handshake (STARTTLS included).</summary>
        public double DurationMs => Math.Round(Duration.TotalMilliseconds, 1);

        /// <inheritdoc />
        public override string ToString() => $"{Version} {Outcome}" + (CipherSuite != null ? " " + CipherSuite : string.Empty);
    }
}
