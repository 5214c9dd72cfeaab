using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace SmtpTools.Benchmarks.Listeners
{
    /// <summary>
    /// A port on another loopback address that relays every connection, byte for byte, to a real test-server port:
    /// Postfix listens on 127.0.0.1 and ::1 only, and this puts its real listeners behind many more endpoints.
    /// </summary>
    internal sealed class ForwardingListener : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly IPEndPoint _target;

        public ForwardingListener(IPAddress address, IPEndPoint target)
        {
            _target = target;
            _listener = new TcpListener(address, 0);
            _listener.Start(512);
            Endpoint = (IPEndPoint)_listener.LocalEndpoint;
            _ = AcceptAsync();
        }

        public IPEndPoint Endpoint { get; }

        public void Dispose() => _listener.Stop();

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptSocketAsync().ConfigureAwait(false);
                    _ = RelayAsync(client);
                }
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                // Stopped.
            }
        }

        private async Task RelayAsync(Socket client)
        {
            using (client)
            using (var server = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
            {
                client.NoDelay = true;
                try
                {
                    await server.ConnectAsync(_target).ConfigureAwait(false);
                    await Task.WhenAll(PumpAsync(client, server), PumpAsync(server, client)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
                {
                    // One side went away: both close.
                }
            }
        }

        // Copies until the source finishes sending, then passes the half-close on.
        private static async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).ConfigureAwait(false)) > 0)
                {
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None).ConfigureAwait(false);
                }

                to.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                // The other side reset: the other pump ends too when its socket is disposed.
                from.Dispose();
                to.Dispose();
            }
        }
    }
}
