using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Engine.Tests
{
    /// <summary>
    /// An in-process peer on 127.0.0.1 for faults and shapes a real server will not produce: every accepted connection
    /// runs <c>conversation</c>, and every byte received is kept, so a test can prove what was (never) sent.
    /// </summary>
    internal sealed class LoopbackPeer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly Func<PeerConnection, Task> _conversation;
        private readonly List<PeerConnection> _connections = new List<PeerConnection>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        public LoopbackPeer(Func<PeerConnection, Task> conversation)
        {
            _conversation = conversation;
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        /// <summary>Everything every connection received so far, as Latin-1 text (bytes preserved one to one).</summary>
        public string Received
        {
            get
            {
                lock (_connections)
                {
                    var all = new StringBuilder();
                    foreach (var connection in _connections)
                    {
                        all.Append(connection.Received);
                    }

                    return all.ToString();
                }
            }
        }

        /// <summary>A self-signed RSA 2048 server certificate for "localhost", with its private key.</summary>
        public static X509Certificate2 CreateServerCertificate()
        {
            using var rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
            using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_connections)
            {
                foreach (var connection in _connections)
                {
                    connection.Dispose();
                }
            }
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException || e is SocketException || e is ObjectDisposedException)
                {
                    return;
                }

                var connection = new PeerConnection(socket);
                lock (_connections)
                {
                    _connections.Add(connection);
                }

                _ = Task.Run(async () =>
                {
                    try
                    {
                        await _conversation(connection);
                    }
                    catch (Exception e) when (e is IOException || e is SocketException || e is ObjectDisposedException || e is AuthenticationException)
                    {
                        // The client went away or the handshake failed: both are what some tests are about.
                    }
                });
            }
        }
    }

    /// <summary>One accepted connection: line-oriented SMTP helpers that record what arrives, and a TLS server upgrade.</summary>
    internal sealed class PeerConnection : IDisposable
    {
        private readonly Socket _socket;
        private readonly StringBuilder _received = new StringBuilder();
        private Stream _stream;

        public PeerConnection(Socket socket)
        {
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
        }

        public string Received
        {
            get
            {
                lock (_received)
                {
                    return _received.ToString();
                }
            }
        }

        public async Task SendAsync(string text)
        {
            var bytes = Encoding.ASCII.GetBytes(text);
            await _stream.WriteAsync(bytes);
        }

        /// <summary>One line without its CRLF, or null when the client closed the connection.</summary>
        public async Task<string?> ReadLineAsync()
        {
            var line = new StringBuilder();
            var one = new byte[1];
            while (await _stream.ReadAsync(one) == 1)
            {
                lock (_received)
                {
                    _received.Append((char)one[0]);
                }

                if (one[0] == '\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)one[0]);
            }

            return null;
        }

        /// <summary>Takes the connection over as a TLS server speaking only <paramref name="protocols"/>.</summary>
        public async Task UpgradeToTlsAsync(X509Certificate2 certificate, SslProtocols protocols)
        {
            var ssl = new SslStream(_stream);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = protocols });
            _stream = ssl;
        }

        public void Dispose() => _stream.Dispose();
    }
}
