using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using SmtpTools.Probing;
using SmtpTools.Protocol;

namespace SmtpTools.Tls
{
    /// <summary>
    /// Finds which TLS versions a server accepts by offering each one alone, on its own connection, all at once.
    /// BouncyCastle's managed TLS client does the handshakes: the operating system's TLS stack cannot be asked
    /// (Debian's OpenSSL refuses to offer TLS 1.0 and 1.1 at all, whatever the server accepts). Nothing is sent after
    /// the handshake and the certificate is not judged here: the scan only asks "would you speak this version?".
    /// </summary>
    internal sealed class TlsVersionScanner
    {
        /// <summary>The versions worth asking about. SSL 3.0 is left out: BouncyCastle no longer speaks it.</summary>
        public static readonly IReadOnlyList<TlsProtocolVersion> AllVersions = new[]
        {
            TlsProtocolVersion.Tls10, TlsProtocolVersion.Tls11, TlsProtocolVersion.Tls12, TlsProtocolVersion.Tls13,
        };

        private readonly TimeSpan _timeout;
        private readonly string _heloName;

        /// <param name="timeout">The bound on each step of each handshake: connect, each SMTP reply, the TLS handshake.</param>
        /// <param name="heloName">The EHLO name for STARTTLS connections.</param>
        public TlsVersionScanner(TimeSpan timeout, string heloName)
        {
            _timeout = timeout;
            _heloName = heloName;
        }

        /// <summary>Tries every version in <paramref name="versions"/> (by default <see cref="AllVersions"/>) in parallel.</summary>
        /// <param name="serverName">Sent as SNI unless it is an address literal.</param>
        /// <param name="startTls">Speak SMTP up to STARTTLS first; otherwise the handshake starts right after connecting (implicit TLS).</param>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public async Task<IReadOnlyList<TlsVersionSupport>> ScanAsync(IPAddress address, int port, string serverName, bool startTls, IEnumerable<TlsProtocolVersion>? versions, CancellationToken cancellationToken)
        {
            var scans = (versions ?? AllVersions).Distinct().Select(v => TryVersionAsync(address, port, serverName, startTls, v, cancellationToken));
            return await Task.WhenAll(scans).ConfigureAwait(false);
        }

        /// <summary>One handshake offering only <paramref name="version"/>. Never throws for network outcomes: they are results.</summary>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public async Task<TlsVersionSupport> TryVersionAsync(IPAddress address, int port, string serverName, bool startTls, TlsProtocolVersion version, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var crypto = new GroupObservingCrypto();
            var client = new SingleVersionClient(crypto, ToBouncyCastle(version), SniName(serverName));
            try
            {
                await ScanConnection.RunAsync(address, port, serverName, startTls, _timeout, _heloName, async stream =>
                {
                    await HandshakeAsync(client, stream).ConfigureAwait(false);
                    return true;
                }, cancellationToken).ConfigureAwait(false);

                return Accepted(version, client, crypto, watch.Elapsed);
            }
            catch (TlsFatalAlertReceived e)
            {
                return FromAlert(version, e.AlertDescription, received: true, watch.Elapsed);
            }
            catch (TlsFatalAlert e)
            {
                return FromAlert(version, e.AlertDescription, received: false, watch.Elapsed);
            }
            catch (SmtpConnectionException e)
            {
                return Failed(version, e.Message, watch.Elapsed);
            }
            catch (TimeoutException)
            {
                return Failed(version, $"No answer within {_timeout.TotalSeconds:0.#} s.", watch.Elapsed);
            }
            catch (Exception e) when (ScanConnection.IsNetworkFailure(e))
            {
                return Failed(version, e.Message, watch.Elapsed);
            }
        }

        // BouncyCastle's non-blocking mode: it produces and consumes bytes, we move them with async socket I/O, so the
        // whole handshake is bounded by one timeout that closes the socket.
        private static async Task HandshakeAsync(SingleVersionClient client, Stream stream)
        {
            var protocol = new TlsClientProtocol();
            protocol.Connect(client);
            var buffer = new byte[32 * 1024];
            while (true)
            {
                await FlushAsync(protocol, stream).ConfigureAwait(false);
                if (client.HandshakeComplete)
                {
                    protocol.Close(); // close_notify: leave politely, nothing else to say
                    await FlushAsync(protocol, stream).ConfigureAwait(false);
                    return;
                }

                var read = await stream.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException("The server closed the connection during the handshake without a TLS alert.");
                }

                protocol.OfferInput(buffer, 0, read);
            }
        }

        private static async Task FlushAsync(TlsClientProtocol protocol, Stream stream)
        {
            var pending = protocol.GetAvailableOutputBytes();
            if (pending > 0)
            {
                var output = new byte[pending];
                protocol.ReadOutput(output, 0, pending);
                await stream.WriteAsync(output, 0, pending).ConfigureAwait(false);
            }
        }

        private static TlsVersionSupport Accepted(TlsProtocolVersion version, SingleVersionClient client, GroupObservingCrypto crypto, TimeSpan duration)
        {
            var parameters = client.SecurityParameters;

            // TLS 1.3 records the group it negotiated; up to TLS 1.2 only the ServerKeyExchange names it, seen by the crypto.
            var group = TlsParameterNames.Group(parameters.NegotiatedGroup >= 0 ? parameters.NegotiatedGroup : crypto.LastGroup);
            var suite = TlsParameterNames.CipherSuite(parameters.CipherSuite);
            return new TlsVersionSupport(FromBouncyCastle(parameters.NegotiatedVersion), TlsVersionOutcome.Accepted, duration)
            {
                CipherSuite = suite,
                KeyExchangeGroup = group,
                KeyExchange = TlsParameterNames.KeyExchange(suite, group),
            };
        }

        /// <summary>
        /// Only protocol_version means "not this version" (RFC 8446 4.2.1, RFC 5246 E.1). handshake_failure and
        /// insufficient_security come after the version was accepted: no cipher suite in common with our offer.
        /// </summary>
        internal static TlsVersionSupport FromAlert(TlsProtocolVersion version, short alert, bool received, TimeSpan duration)
        {
            var name = AlertDescription.GetName(alert);
            TlsVersionOutcome outcome;
            string? detail = null;
            if (alert == AlertDescription.protocol_version)
            {
                outcome = TlsVersionOutcome.Rejected;
            }
            else if (received && (alert == AlertDescription.handshake_failure || alert == AlertDescription.insufficient_security))
            {
                outcome = TlsVersionOutcome.AcceptedNoCommonCipher;
            }
            else
            {
                outcome = TlsVersionOutcome.Failed;
                detail = alert == AlertDescription.unexpected_message && !received
                    ? "The server did not answer with TLS (a plaintext service?)."
                    : $"The handshake ended with a {name} alert {(received ? "from the server" : "raised by the scanner")}.";
            }

            return new TlsVersionSupport(version, outcome, duration) { Alert = name, Detail = detail };
        }

        private static TlsVersionSupport Failed(TlsProtocolVersion version, string detail, TimeSpan duration) =>
            new TlsVersionSupport(version, TlsVersionOutcome.Failed, duration) { Detail = detail };

        internal static string? SniName(string serverName)
        {
            var name = serverName.Trim().TrimStart('[').TrimEnd(']').TrimEnd('.');
            return name.Length == 0 || IPAddress.TryParse(name, out _) ? null : name; // RFC 6066 3: no literal addresses
        }

        internal static ProtocolVersion ToBouncyCastle(TlsProtocolVersion version)
        {
            switch (version)
            {
                case TlsProtocolVersion.Tls10: return ProtocolVersion.TLSv10;
                case TlsProtocolVersion.Tls11: return ProtocolVersion.TLSv11;
                case TlsProtocolVersion.Tls12: return ProtocolVersion.TLSv12;
                case TlsProtocolVersion.Tls13: return ProtocolVersion.TLSv13;
                default: throw new ArgumentOutOfRangeException(nameof(version), version, "Only TLS 1.0 to 1.3 can be scanned.");
            }
        }

        internal static TlsProtocolVersion FromBouncyCastle(ProtocolVersion? version)
        {
            if (version == null)
            {
                return TlsProtocolVersion.None;
            }

            if (version.Equals(ProtocolVersion.TLSv13))
            {
                return TlsProtocolVersion.Tls13;
            }

            if (version.Equals(ProtocolVersion.TLSv12))
            {
                return TlsProtocolVersion.Tls12;
            }

            if (version.Equals(ProtocolVersion.TLSv11))
            {
                return TlsProtocolVersion.Tls11;
            }

            if (version.Equals(ProtocolVersion.TLSv10))
            {
                return TlsProtocolVersion.Tls10;
            }

            return version.Equals(ProtocolVersion.SSLv3) ? TlsProtocolVersion.Ssl3 : TlsProtocolVersion.None;
        }

        /// <summary>
        /// Offers one version, the default suites (CBC-SHA ones included, which TLS 1.0 needs) and no fallback SCSV
        /// (with it a server answers inappropriate_fallback and a version it supports looks refused).
        /// </summary>
        private sealed class SingleVersionClient : DefaultTlsClient
        {
            private readonly ProtocolVersion _version;
            private readonly string? _serverName;

            public SingleVersionClient(TlsCrypto crypto, ProtocolVersion version, string? serverName)
                : base(crypto)
            {
                _version = version;
                _serverName = serverName;
            }

            public bool HandshakeComplete { get; private set; }

            public SecurityParameters SecurityParameters => m_context.SecurityParameters;

            public override TlsAuthentication GetAuthentication() => new UnjudgedServerAuthentication();

            public override void NotifyHandshakeComplete()
            {
                base.NotifyHandshakeComplete();
                HandshakeComplete = true;
            }

            protected override ProtocolVersion[] GetSupportedVersions() => _version.Only();

            protected override IList<ServerName>? GetSniServerNames() =>
                _serverName == null ? null : new List<ServerName> { new ServerName(NameType.host_name, Encoding.ASCII.GetBytes(_serverName)) };
        }

        // The certificate is judged once, on the main connection; a scan sends nothing that needs protecting.
        private sealed class UnjudgedServerAuthentication : TlsAuthentication
        {
            public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
            {
            }

            public TlsCredentials? GetClientCredentials(CertificateRequest certificateRequest) => null;
        }

        /// <summary>Remembers the last group a key exchange was set up for: up to TLS 1.2, the one the server chose.</summary>
        private sealed class GroupObservingCrypto : BcTlsCrypto
        {
            public GroupObservingCrypto()
                : base(new SecureRandom())
            {
            }

            public int LastGroup { get; private set; } = -1;

            public override TlsCertificate CreateCertificate(short type, byte[] encoding) =>
                type == CertificateType.X509 ? new ValidatedRsaKeyCertificate(this, encoding) : base.CreateCertificate(type, encoding);

            public override TlsECDomain CreateECDomain(TlsECConfig ecConfig)
            {
                LastGroup = ecConfig.NamedGroup;
                return base.CreateECDomain(ecConfig);
            }

            public override TlsDHDomain CreateDHDomain(TlsDHConfig dhConfig)
            {
                LastGroup = dhConfig.NamedGroup;
                return base.CreateDHDomain(dhConfig);
            }
        }
    }
}
