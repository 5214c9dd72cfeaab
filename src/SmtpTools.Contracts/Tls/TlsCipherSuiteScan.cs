using System;
using System.Collections.Generic;
using System.Linq;

namespace SmtpTools
{
    /// <summary>
    /// Every cipher suite a server accepts at one TLS version, found by elimination: offer every candidate, note the one
    /// the server picks, offer the rest again, until it finds none in common.
    /// </summary>
    public sealed class TlsCipherSuiteScan
    {
        internal TlsCipherSuiteScan(TlsProtocolVersion version, IReadOnlyList<TlsCipherSuite> accepted, TlsCipherOrder order, int offered, int handshakes, bool isComplete, string? detail, TimeSpan duration)
        {
            Version = version;
            AcceptedCipherSuites = SmtpList<TlsCipherSuite>.From(accepted);
            Order = order;
            OfferedCount = offered;
            Handshakes = handshakes;
            IsComplete = isComplete;
            Detail = detail;
            Duration = duration;
        }

        /// <summary>The TLS version every handshake of this scan offered, alone.</summary>
        public TlsProtocolVersion Version { get; }

        /// <summary>The suites the server accepted, in its order when it has one, otherwise strongest first.</summary>
        public IReadOnlyList<TlsCipherSuite> AcceptedCipherSuites { get; }

        /// <summary>How many the server accepted.</summary>
        public int AcceptedCount => AcceptedCipherSuites.Count;

        /// <summary>The accepted suites that have a <see cref="TlsCipherSuite.Weakness"/>.</summary>
        public IReadOnlyList<TlsCipherSuite> WeakCipherSuites => SmtpList<TlsCipherSuite>.From(AcceptedCipherSuites.Where(s => s.IsWeak));

        /// <summary>How many of them have a weakness.</summary>
        public int WeakCount => AcceptedCipherSuites.Count(s => s.IsWeak);

        /// <summary>Whether the server's order or the client's decides which suite a handshake gets.</summary>
        public TlsCipherOrder Order { get; }

        /// <summary>How many suites were offered at this version (every registry suite valid for it, except PSK, SRP and KRB5 ones).</summary>
        public int OfferedCount { get; }

        /// <summary>How many handshakes the scan took (each stopped at the server's first answer).</summary>
        public int Handshakes { get; }

        /// <summary>False when a handshake failed or the scan ran out of time: <see cref="AcceptedCipherSuites"/> may miss some; <see cref="Detail"/> says why.</summary>
        public bool IsComplete { get; }

        /// <summary>Why the scan is incomplete, or null.</summary>
        public string? Detail { get; }

        /// <summary>Wall time of this version's scan.</summary>
        public TimeSpan Duration { get; }

        /// <inheritdoc />
        public override string ToString() => $"{Version} {AcceptedCount} accepted ({Order} order)";
    }
}
