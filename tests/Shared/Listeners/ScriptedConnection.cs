using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>
    /// One accepted connection, as a <see cref="ScriptedListener"/> script sees it: send, read lines, switch to TLS,
    /// wait for the client to go. Every byte read before TLS is kept (<see cref="ReceivedInClear"/>), so a test can
    /// prove what a client never wrote in clear text.
    /// </summary>
    public sealed class ScriptedConnection
    {
        private readonly Socket _socket;
        private readonly MemoryStream _clear = new MemoryStream();
        private readonly byte[] _readAhead = new byte[64 * 1024];
        private int _readAheadStart;
        private int _readAheadEnd;

        internal ScriptedConnection(Socket socket, CancellationToken closing)
        {
            _socket = socket;
            Closing = closing;
            Network = new NetworkStream(socket, ownsSocket: true);
            Stream = Network;
        }

        /// <summary>The stream to talk on: the socket's, or TLS over it after <see cref="UpgradeToTlsAsync"/>.</summary>
        public Stream Stream { get; private set; }

        /// <summary>The socket's own stream, under TLS if any.</summary>
        public NetworkStream Network { get; }

        /// <summary>True once <see cref="UpgradeToTlsAsync"/> succeeded.</summary>
        public bool IsTls { get; private set; }

        /// <summary>Fires when the listener is disposed: every wait in a script should honour it.</summary>
        public CancellationToken Closing { get; }

        /// <summary>The client's address and port.</summary>
        public IPEndPoint RemoteEndPoint => (IPEndPoint)_socket.RemoteEndPoint!;

        /// <summary>Every byte this connection read before TLS (or in all, without TLS), read through this class.</summary>
        public byte[] ReceivedInClear
        {
            get
            {
                lock (_clear)
                {
                    return _clear.ToArray();
                }
            }
        }

        /// <summary>Sends text as UTF-8, as is (include the line ends).</summary>
        public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

        /// <summary>Sends bytes.</summary>
        public async Task SendAsync(byte[] bytes)
        {
            await Stream.WriteAsync(bytes, Closing);
            await Stream.FlushAsync(Closing);
        }

        /// <summary>Reads one line (without its CR LF); null when the client closed first. Lines longer than <paramref name="maxLength"/> bytes are cut there.</summary>
        /// <remarks>
        /// Before TLS byte by byte, so nothing after the line is consumed (the client's TLS handshake may follow);
        /// inside TLS, where no further switch can come, through a read-ahead buffer (megabytes of DATA stay fast).
        /// </remarks>
        public async Task<string?> ReadLineAsync(int maxLength = 4096)
        {
            var raw = await ReadRawLineAsync(maxLength);
            if (raw == null)
            {
                return null;
            }

            var text = Encoding.UTF8.GetString(raw);
            return text.EndsWith('\n') ? text.Substring(0, text.Length - 1).TrimEnd('\r') : text;
        }

        /// <summary>The next line's bytes exactly as they arrived, its LF included (none at the end of the stream or past <paramref name="maxLength"/>); null when the client closed first.</summary>
        public async Task<byte[]?> ReadRawLineAsync(int maxLength = 4096)
        {
            var bytes = new List<byte>();
            if (IsTls)
            {
                return await ReadBufferedLineAsync(bytes, maxLength);
            }

            var one = new byte[1];
            while (bytes.Count < maxLength)
            {
                if (await ReadAsync(one) == 0)
                {
                    return bytes.Count == 0 ? null : bytes.ToArray();
                }

                bytes.Add(one[0]);
                if (one[0] == (byte)'\n')
                {
                    break;
                }
            }

            return bytes.ToArray();
        }

        private async Task<byte[]?> ReadBufferedLineAsync(List<byte> bytes, int maxLength)
        {
            while (bytes.Count < maxLength)
            {
                if (_readAheadStart == _readAheadEnd)
                {
                    _readAheadStart = 0;
                    _readAheadEnd = await Stream.ReadAsync(_readAhead, Closing);
                    if (_readAheadEnd == 0)
                    {
                        return bytes.Count == 0 ? null : bytes.ToArray();
                    }
                }

                var newline = Array.IndexOf(_readAhead, (byte)'\n', _readAheadStart, _readAheadEnd - _readAheadStart);
                var end = newline < 0 ? _readAheadEnd : newline + 1;
                var take = Math.Min(end - _readAheadStart, maxLength - bytes.Count);
                bytes.AddRange(new ArraySegment<byte>(_readAhead, _readAheadStart, take));
                _readAheadStart += take;
                if (newline >= 0 && _readAheadStart == newline + 1)
                {
                    break;
                }
            }

            return bytes.ToArray();
        }

        /// <summary>Reads whatever arrives next (at most <paramref name="buffer"/>'s length); 0 when the client closed.</summary>
        public async Task<int> ReadAsync(byte[] buffer)
        {
            if (_readAheadStart == _readAheadEnd && IsTls && buffer.Length < _readAhead.Length)
            {
                _readAheadStart = 0;
                _readAheadEnd = await Stream.ReadAsync(_readAhead, Closing);
            }

            if (_readAheadStart < _readAheadEnd)
            {
                var count = Math.Min(buffer.Length, _readAheadEnd - _readAheadStart);
                Buffer.BlockCopy(_readAhead, _readAheadStart, buffer, 0, count);
                _readAheadStart += count;
                return count;
            }

            var read = await Stream.ReadAsync(buffer, Closing);
            if (!IsTls && read > 0)
            {
                lock (_clear)
                {
                    _clear.Write(buffer, 0, read);
                }
            }

            return read;
        }

        /// <summary>Runs the server side of a TLS handshake with <paramref name="certificate"/> (and its private key); talks TLS from then on.</summary>
        /// <exception cref="AuthenticationException">The handshake failed.</exception>
        /// <exception cref="IOException">The client went away during the handshake.</exception>
        public async Task UpgradeToTlsAsync(X509Certificate2 certificate, SslProtocols protocols = SslProtocols.None, X509Certificate2[]? intermediates = null)
        {
            var ssl = new SslStream(Network, leaveInnerStreamOpen: true);
            var options = new SslServerAuthenticationOptions { EnabledSslProtocols = protocols, ClientCertificateRequired = false };
            if (intermediates is { Length: > 0 })
            {
                // Sent after the leaf exactly as given, whatever their dates (offline: nothing fetched, nothing judged).
                options.ServerCertificateContext = SslStreamCertificateContext.Create(certificate, new X509Certificate2Collection(intermediates), offline: true);
            }
            else
            {
                options.ServerCertificate = certificate;
            }

            await ssl.AuthenticateAsServerAsync(options, Closing);
            Stream = ssl;
            IsTls = true;
        }

        /// <summary>Reads and discards whatever the client sends until it closes the connection or the listener is disposed.</summary>
        public async Task WaitUntilClosedAsync()
        {
            var buffer = new byte[4096];
            while (await ReadAsync(buffer) > 0)
            {
            }
        }

        internal void Close()
        {
            if (Stream != Network)
            {
                Stream.Dispose();
            }

            Network.Dispose();
        }
    }
}
