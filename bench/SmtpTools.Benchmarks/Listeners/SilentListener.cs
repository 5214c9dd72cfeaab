using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace SmtpTools.Benchmarks.Listeners
{
    /// <summary>A port that accepts connections and never says a word: the firewall tarpit or hung daemon a sweep meets.</summary>
    internal sealed class SilentListener : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly List<Socket> _held = new List<Socket>();

        public SilentListener(IPAddress address)
        {
            _listener = new TcpListener(address, 0);
            _listener.Start(512);
            Endpoint = (IPEndPoint)_listener.LocalEndpoint;
            _ = AcceptAsync();
        }

        public IPEndPoint Endpoint { get; }

        public void Dispose()
        {
            _listener.Stop();
            lock (_held)
            {
                foreach (var socket in _held)
                {
                    socket.Dispose();
                }

                _held.Clear();
            }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync().ConfigureAwait(false);
                    lock (_held)
                    {
                        _held.Add(socket);
                    }
                }
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}
