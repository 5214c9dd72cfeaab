using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Probing;
using SmtpTools.Tls;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// A raw SMTP conversation on one TCP connection, for probing and inspection: every step has its own timeout
    /// (a silent implicit-TLS port, a tarpit or a firewall must never hang us), every line can be written to a
    /// transcript the way swaks shows it ("&lt;-" received, " -&gt;" sent, "~" once TLS is up), and no byte past a
    /// reply is read, so STARTTLS can hand the socket to TLS cleanly.
    /// </summary>
    internal sealed class SmtpWireSession : IDisposable
    {
        private static readonly byte[] EmptyBuffer = new byte[0];

        private readonly Action<string>? _transcript;
        private readonly QuickAckStream _socketStream;
        private Socket _socket;
        private Stream _stream;
        private SmtpReplyReader _reader;

        private SmtpWireSession(Socket socket, IPAddress remoteAddress, TimeSpan connectTime, Action<string>? transcript)
        {
            _socket = socket;
            _transcript = transcript;
            RemoteAddress = remoteAddress;
            RemotePort = (socket.RemoteEndPoint as IPEndPoint)?.Port ?? 0; // kept: a socket the peer closed no longer knows it
            ConnectTime = connectTime;
            _socketStream = new QuickAckStream(new NetworkStream(socket, ownsSocket: true), socket);
            _stream = _socketStream;
            _reader = new SmtpReplyReader(_stream);
        }

        public IPAddress RemoteAddress { get; }

        public TimeSpan ConnectTime { get; }

        public bool IsTls { get; private set; }

        /// <summary>The connection's current byte stream: the socket's before TLS, the TLS stream after. Nothing past the last reply has been read from it.</summary>
        public Stream Stream => _stream;

        /// <summary>The socket, for bounding operations on <see cref="Stream"/> with <see cref="WithTimeout(Task, Socket, TimeSpan, CancellationToken)"/>.</summary>
        public Socket Socket => _socket;

        /// <summary>
        /// From here on the connection is used only synchronously (MailKit's send): it moves to a blocking socket off the
        /// runtime's socket engine (see <see cref="BlockingSocket"/>), under the same <see cref="Stream"/>, TLS included.
        /// <see cref="Socket"/> is the new socket afterwards. Call it while nothing is pending on the connection.
        /// </summary>
        public void ContinueSynchronously()
        {
            var blocking = BlockingSocket.TryDetach(_socket);
            if (blocking != null)
            {
                _socketStream.Rebind(new NetworkStream(blocking, ownsSocket: true), blocking);
                _socket = blocking;
            }
        }

        /// <summary>
        /// Called once, the first time the server is seen to send anything on this connection (data ready for the
        /// greeting, or the first bytes of its answer to our ClientHello); null for no one. A sweep counts the probe busy
        /// from then on (<see cref="Probing.SmtpPortSweep"/>).
        /// </summary>
        internal Action? Answered { get; set; }

        private void NoteAnswer()
        {
            var answered = Answered;
            if (answered != null)
            {
                Answered = null;
                answered();
            }
        }

        /// <summary>Resolves a name (or parses an address) to the addresses to try, IPv6 and IPv4 as the resolver orders them.</summary>
        /// <exception cref="SmtpConnectionException">NameNotResolved, or TimedOut.</exception>
        public static Task<IPAddress[]> ResolveAsync(string host, TimeSpan timeout, CancellationToken cancellationToken) =>
            ResolveAsync(host, timeout, null, cancellationToken);

        /// <summary>As <see cref="ResolveAsync(string, TimeSpan, CancellationToken)"/>, asking <paramref name="dns"/> when given instead of the system's resolver.</summary>
        /// <exception cref="SmtpConnectionException">NameNotResolved, or TimedOut.</exception>
        public static async Task<IPAddress[]> ResolveAsync(string host, TimeSpan timeout, Discovery.DnsResolver? dns, CancellationToken cancellationToken)
        {
            var problem = HostNameSyntax.FindProblem(host);
            if (problem != null)
            {
                throw HostNameSyntax.Invalid(host, problem);
            }

            var literal = host.Trim().TrimStart('[').TrimEnd(']');
            if (IPAddress.TryParse(literal, out var address))
            {
                return new[] { address };
            }

            if (IsSpecialUseInvalidName(literal))
            {
                // RFC 6761 6.4: resolvers should answer "no such name" at once, without asking any DNS server.
                throw new SmtpConnectionException(SmtpFailureKind.NameNotResolved, $"The name '{host}' is under the reserved top-level domain .invalid, which never resolves (RFC 6761). Check the spelling.");
            }

            if (dns != null)
            {
                return await dns.ResolveHostAsync(literal, cancellationToken).ConfigureAwait(false);
            }

            var lookup = Dns.GetHostAddressesAsync(host);
            var finished = await Task.WhenAny(lookup, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (finished != lookup)
            {
                _ = lookup.ContinueWith(t => t.Exception, TaskScheduler.Default); // observe a late failure
                throw new SmtpConnectionException(SmtpFailureKind.TimedOut, $"Resolving '{host}' took longer than {timeout.TotalSeconds:0.#} s.");
            }

            try
            {
                var addresses = await lookup.ConfigureAwait(false);
                if (addresses.Length == 0)
                {
                    throw new SmtpConnectionException(SmtpFailureKind.NameNotResolved, $"The name '{host}' has no address records.");
                }

                return addresses;
            }
            catch (SocketException e)
            {
                throw new SmtpConnectionException(SmtpFailureKind.NameNotResolved, $"The name '{host}' could not be resolved ({e.SocketErrorCode}). Check the spelling and DNS.", e);
            }
        }

        internal static bool IsSpecialUseInvalidName(string name)
        {
            var trimmed = name.TrimEnd('.');
            return trimmed.Equals("invalid", StringComparison.OrdinalIgnoreCase) || trimmed.EndsWith(".invalid", StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>Connects to the first address that accepts.</summary>
        /// <exception cref="SmtpConnectionException">ConnectionRefused or TimedOut (the last address's failure).</exception>
        public static async Task<SmtpWireSession> ConnectAsync(IReadOnlyList<IPAddress> addresses, int port, TimeSpan timeout, Action<string>? transcript, CancellationToken cancellationToken)
        {
            var (socket, address, elapsed) = await ConnectSocketAsync(addresses, port, timeout, transcript, cancellationToken).ConfigureAwait(false);
            return new SmtpWireSession(socket, address, elapsed, transcript);
        }

        /// <summary>Connects a bare socket to the first address that accepts, each attempt bounded by <paramref name="timeout"/>.</summary>
        /// <exception cref="SmtpConnectionException">ConnectionRefused or TimedOut (the last address's failure).</exception>
        public static async Task<(Socket Socket, IPAddress Address, TimeSpan ConnectTime)> ConnectSocketAsync(IReadOnlyList<IPAddress> addresses, int port, TimeSpan timeout, Action<string>? transcript, CancellationToken cancellationToken)
        {
            SmtpConnectionException? last = null;
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                var watch = Stopwatch.StartNew();
                try
                {
                    await WithTimeout(socket.ConnectAsync(address, port), socket, timeout, cancellationToken).ConfigureAwait(false);
                    transcript?.Invoke($"=== Connected to {Format(address, port)} in {watch.Elapsed.TotalMilliseconds:0} ms");
                    return (socket, address, watch.Elapsed);
                }
                catch (TimeoutException)
                {
                    socket.Dispose();
                    last = new SmtpConnectionException(SmtpFailureKind.TimedOut, $"No answer from {Format(address, port)} within {timeout.TotalSeconds:0.#} s: the port is filtered by a firewall or the host is down.");
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    last = e.SocketErrorCode == SocketError.ConnectionRefused
                        ? new SmtpConnectionException(SmtpFailureKind.ConnectionRefused, $"{Format(address, port)} refused the connection: nothing listens on that port.", e)
                        : new SmtpConnectionException(SmtpFailureKind.TimedOut, $"Could not reach {Format(address, port)}: {e.SocketErrorCode}.", e);
                }
            }

            throw last ?? new SmtpConnectionException(SmtpFailureKind.NameNotResolved, "No address to connect to.");
        }

        public static string Format(IPAddress address, int port) =>
            address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";

        /// <summary>
        /// Waits up to <paramref name="wait"/> for the server to send anything, without consuming it and without closing
        /// the socket: a silent port may be an implicit-TLS port waiting for our ClientHello, so the connection must
        /// survive the wait. True when data (or the end of the stream) arrived.
        /// </summary>
        public async Task<bool> WaitForDataAsync(TimeSpan wait, CancellationToken cancellationToken)
        {
            if (_socket.Available > 0)
            {
                NoteAnswer();
                return true;
            }

            // A zero-byte receive completes when the socket becomes readable and consumes nothing. Unlike MSG_PEEK it
            // is valid on overlapped sockets, so it behaves the same on Windows (IOCP) as on Linux and macOS.
            var readable = _socket.ReceiveAsync(new ArraySegment<byte>(EmptyBuffer), SocketFlags.None);
            var finished = await Task.WhenAny(readable, Task.Delay(wait, cancellationToken)).ConfigureAwait(false);
            _ = readable.ContinueWith(t => t.Exception, TaskScheduler.Default);
            if (finished == readable)
            {
                // Data, end of stream or a reset: the reader that follows reports which.
                NoteAnswer();
                return true;
            }

            // Still pending: it completes harmlessly when the TLS handshake's reply arrives.
            cancellationToken.ThrowIfCancellationRequested();
            return false;
        }

        /// <summary>Waits for one reply.</summary>
        /// <exception cref="TimeoutException">Nothing (or no whole reply) arrived in time.</exception>
        /// <exception cref="SmtpProtocolException">What arrived is not SMTP.</exception>
        /// <exception cref="EndOfStreamException">The server closed the connection.</exception>
        public async Task<SmtpReply> ReadReplyAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            var reply = await WithTimeout(_reader.ReadReplyAsync(CancellationToken.None), _socket, timeout, cancellationToken).ConfigureAwait(false);
            if (_transcript != null)
            {
                var arrow = IsTls ? "<~ " : "<- ";
                for (var i = 0; i < reply.Lines.Count; i++)
                {
                    var sep = i == reply.Lines.Count - 1 ? " " : "-";
                    _transcript(arrow + reply.Code + sep + SmtpReplyReader.Printable(reply.Lines[i], 400));
                }
            }

            return reply;
        }

        /// <summary>Sends one command line and reads its reply.</summary>
        /// <param name="command">The command without CRLF.</param>
        /// <param name="shownAs">What the transcript shows instead, for commands that carry secrets.</param>
        public async Task<SmtpReply> CommandAsync(string command, TimeSpan timeout, CancellationToken cancellationToken, string? shownAs = null)
        {
            if (command.IndexOf('\r') >= 0 || command.IndexOf('\n') >= 0)
            {
                throw new ArgumentException("An SMTP command cannot contain CR or LF.", nameof(command));
            }

            _transcript?.Invoke((IsTls ? " ~> " : " -> ") + (shownAs ?? command));
            var bytes = Encoding.UTF8.GetBytes(command + "\r\n");
            await WithTimeout(_stream.WriteAsync(bytes, 0, bytes.Length, CancellationToken.None), _socket, timeout, cancellationToken).ConfigureAwait(false);
            return await ReadReplyAsync(timeout, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Sends raw bytes (for probes that must not look like SMTP, and for tests).</summary>
        public Task SendRawAsync(byte[] data, TimeSpan timeout, CancellationToken cancellationToken) =>
            WithTimeout(_stream.WriteAsync(data, 0, data.Length, CancellationToken.None), _socket, timeout, cancellationToken);

        /// <summary>
        /// Runs a TLS handshake on the connection (implicit TLS right after connecting, or after "220" to STARTTLS).
        /// The certificate is judged with <paramref name="policy"/>; an unacceptable one fails the handshake unless
        /// <paramref name="reportOnly"/> is set, in which case the verdict is only reported.
        /// </summary>
        /// <exception cref="SmtpConnectionException">TlsHandshakeFailed, CertificateRejected, TimedOut.</exception>
        public async Task<TlsInspection> UpgradeToTlsAsync(string targetHost, CertificatePolicy policy, bool reportOnly, SslProtocols protocols, TimeSpan timeout, CancellationToken cancellationToken)
        {
            SmtpCertificateInfo? verdict = null;
            var sni = IPAddress.TryParse(targetHost.Trim('[', ']'), out _) ? string.Empty : targetHost;

            bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
            {
                verdict = CertificateInspector.InspectHandshake(certificate, chain, targetHost, policy);
                return verdict != null && (verdict.IsAcceptable || reportOnly);
            }

            var recorder = new FirstBytesRecorder(_stream, Answered == null ? null : (Action)NoteAnswer);
            var ssl = new SslStream(recorder, leaveInnerStreamOpen: false, Validate);
            var watch = Stopwatch.StartNew();
            try
            {
                await WithTimeout(AuthenticateWithoutResumptionAsync(ssl, sni, protocols), _socket, timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (AuthenticationException e) when (verdict != null && !verdict.IsAcceptable && !reportOnly)
            {
                ssl.Dispose(); // its native TLS state now, not at finalization (sweeps fail thousands of handshakes)
                _transcript?.Invoke($"=== Certificate rejected: {verdict.Verdict}");
                throw new SmtpConnectionException(
                    SmtpFailureKind.CertificateRejected,
                    $"The server's certificate for '{targetHost}' is not acceptable ({verdict.Verdict}; {string.Join("; ", verdict.ChainStatus)}). {CertificateInspector.Remedy(verdict)}",
                    new CertificateRejectedException(verdict, e));
            }
            catch (Exception e) when (e is AuthenticationException || e is IOException || e is System.ComponentModel.Win32Exception)
            {
                ReceivedDuringFailedHandshake = recorder.FirstBytes;
                ssl.Dispose();
                _transcript?.Invoke($"=== TLS handshake failed: {e.Message}");
                throw new SmtpConnectionException(SmtpFailureKind.TlsHandshakeFailed, $"The TLS handshake with {Format(RemoteAddress, RemotePort)} failed: {Innermost(e)}", e);
            }
            catch
            {
                ssl.Dispose(); // timed out or cancelled: the socket is already closed
                throw;
            }

            _stream = ssl;
            _reader = new SmtpReplyReader(ssl);
            IsTls = true;
            var inspection = new TlsInspection(ToVersion(ssl.SslProtocol), CipherSuiteName(ssl), verdict, watch.Elapsed);
            _transcript?.Invoke($"=== TLS started with {inspection.Protocol} {inspection.CipherSuite}; certificate: {verdict?.Verdict ?? "none"}");
            return inspection;
        }

        public int RemotePort { get; }

        /// <summary>The first bytes the server sent during a TLS handshake that failed (empty if none, or no failure).</summary>
        public byte[] ReceivedDuringFailedHandshake { get; private set; } = EmptyBuffer;

        /// <summary>The server answered our ClientHello with what looks like an SMTP reply: a plaintext server that greeted late.</summary>
        public bool AnsweredHandshakeInClearSmtp
        {
            get
            {
                var text = Encoding.ASCII.GetString(ReceivedDuringFailedHandshake);
                var end = text.IndexOfAny(new[] { '\r', '\n' });
                return end > 0 && SmtpReplyReader.ParseLine(text.Substring(0, end), out _, out _, out _);
            }
        }

        public void Dispose()
        {
            _stream.Dispose();
            _socket.Dispose();
        }

        internal static TlsProtocolVersion ToVersion(SslProtocols protocol)
        {
            switch ((int)protocol)
            {
                case 48: return TlsProtocolVersion.Ssl3;
                case 192: return TlsProtocolVersion.Tls10;
                case 768: return TlsProtocolVersion.Tls11;
                case 3072: return TlsProtocolVersion.Tls12;
                case 12288: return TlsProtocolVersion.Tls13;
                default: return TlsProtocolVersion.None;
            }
        }

        /// <summary>
        /// A handshake that never resumes an earlier TLS session: a resumed session carries no certificate, and the
        /// runtime then reports the one cached from another port of the same host (Postfix shares session tickets
        /// between its listeners), so a probe of an expired-certificate port could read "valid" and the reverse.
        /// SslClientAuthenticationOptions.AllowTlsResume (.NET 8+) turns resumption off; netstandard2.0 cannot name it.
        /// </summary>
        private static Task AuthenticateWithoutResumptionAsync(SslStream ssl, string targetHost, SslProtocols protocols)
        {
            if (NoResumption.Authenticate == null)
            {
                return ssl.AuthenticateAsClientAsync(targetHost, null, protocols, checkCertificateRevocation: false);
            }

            var options = Activator.CreateInstance(NoResumption.OptionsType!)!;
            NoResumption.OptionsType!.GetProperty("TargetHost")!.SetValue(options, targetHost);
            NoResumption.OptionsType.GetProperty("EnabledSslProtocols")!.SetValue(options, protocols);
            NoResumption.AllowTlsResume!.SetValue(options, false);
            var chainPolicy = NoResumption.ChainPolicyWithoutRoots();
            if (chainPolicy != null)
            {
                NoResumption.CertificateChainPolicy!.SetValue(options, chainPolicy);
            }

            return (Task)NoResumption.Authenticate.Invoke(ssl, new object[] { options, CancellationToken.None })!;
        }

        // NegotiatedCipherSuite exists from .NET Core 3.0; netstandard2.0 cannot name it.
        private static string CipherSuiteName(SslStream ssl)
        {
            var value = typeof(SslStream).GetProperty("NegotiatedCipherSuite")?.GetValue(ssl);
            return value?.ToString() ?? $"{ssl.CipherAlgorithm} {ssl.CipherStrength}-bit";
        }

        private static string Innermost(Exception e)
        {
            while (e.InnerException != null)
            {
                e = e.InnerException;
            }

            return e.Message;
        }

        /// <summary>
        /// Bounds any socket operation: on timeout or cancellation the socket is closed, which ends the pending
        /// operation on every runtime (netstandard2.0's stream APIs do not all honour cancellation).
        /// </summary>
        internal static async Task<T> WithTimeout<T>(Task<T> operation, Socket socket, TimeSpan timeout, CancellationToken cancellationToken)
        {
            await WithTimeout((Task)operation, socket, timeout, cancellationToken).ConfigureAwait(false);
            return await operation.ConfigureAwait(false);
        }

        internal static async Task WithTimeout(Task operation, Socket socket, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using (var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timer.CancelAfter(timeout);
                var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (timer.Token.Register(() => gate.TrySetResult(true)))
                {
                    var finished = await Task.WhenAny(operation, gate.Task).ConfigureAwait(false);
                    if (finished != operation)
                    {
                        socket.Dispose();
                        _ = operation.ContinueWith(t => t.Exception, TaskScheduler.Default);
                        cancellationToken.ThrowIfCancellationRequested();
                        throw new TimeoutException($"No answer within {timeout.TotalSeconds:0.#} s.");
                    }
                }
            }

            await operation.ConfigureAwait(false);
        }

        // Looked up once: SslClientAuthenticationOptions with AllowTlsResume, and AuthenticateAsClientAsync taking it.
        private static class NoResumption
        {
            public static readonly Type? OptionsType = typeof(SslStream).Assembly.GetType("System.Net.Security.SslClientAuthenticationOptions");

            public static readonly PropertyInfo? AllowTlsResume = OptionsType?.GetProperty("AllowTlsResume");

            public static readonly MethodInfo? Authenticate = AllowTlsResume == null
                ? null
                : typeof(SslStream).GetMethod(nameof(SslStream.AuthenticateAsClientAsync), new[] { OptionsType!, typeof(CancellationToken) });

            public static readonly PropertyInfo? CertificateChainPolicy = OptionsType?.GetProperty("CertificateChainPolicy");

            private static readonly PropertyInfo? TrustMode = typeof(X509ChainPolicy).GetProperty("TrustMode");

            private static readonly PropertyInfo? DisableCertificateDownloads = typeof(X509ChainPolicy).GetProperty("DisableCertificateDownloads");

            /// <summary>
            /// The policy of the chain SslStream builds before our callback: trusting no root at all, downloading nothing,
            /// checking no revocation. Our callback ignores that chain's verdict (CertificateInspector builds its own
            /// chain, with the system's roots and the user's, and judges every certificate of it); the server's
            /// certificates still reach the callback (the chain's ExtraStore). Left to its default, SslStream's chain
            /// loads the whole system root store into a new OpenSSL store on every handshake: about a tenth of a probe's
            /// CPU. Null where the runtime cannot take such a policy (then SslStream builds its default chain).
            /// </summary>
            public static X509ChainPolicy? ChainPolicyWithoutRoots()
            {
                if (CertificateChainPolicy == null || TrustMode == null || DisableCertificateDownloads == null)
                {
                    return null;
                }

                var policy = new X509ChainPolicy { RevocationMode = X509RevocationMode.NoCheck };
                TrustMode.SetValue(policy, Enum.ToObject(TrustMode.PropertyType, 1)); // X509ChainTrustMode.CustomRootTrust, with an empty custom store
                DisableCertificateDownloads.SetValue(policy, true);
                return policy;
            }
        }
    }
}
