using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>
    /// A loopback port whose connection attempts go unanswered, the way a firewall that drops packets behaves: a listener
    /// that never accepts, with its accept queue filled, so the kernel drops further SYNs and a client's connect times out.
    /// </summary>
    public sealed class FilteredPort : IDisposable
    {
        private static readonly TimeSpan FillerWait = TimeSpan.FromMilliseconds(300);
        private const int MaxFillers = 16;

        private readonly Socket _listener;
        private readonly List<Socket> _fillers = new List<Socket>();

        public FilteredPort()
        {
            _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(0);
            Fill();
        }

        /// <summary>The port.</summary>
        public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

        public void Dispose()
        {
            foreach (var filler in _fillers)
            {
                filler.Dispose();
            }

            _listener.Dispose();
        }

        // Connects until one attempt hangs: the queue is full from then on (bounded in count and time).
        private void Fill()
        {
            for (var i = 0; i < MaxFillers; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                _fillers.Add(filler);
                var connect = filler.ConnectAsync(IPAddress.Loopback, Port);
                if (!connect.Wait(FillerWait))
                {
                    _ = connect.ContinueWith(t => t.Exception, TaskScheduler.Default);
                    return;
                }
            }

            throw new InvalidOperationException($"The accept queue of port {Port} never filled after {MaxFillers} connections: this system does not drop SYNs on a full queue.");
        }
    }
}
