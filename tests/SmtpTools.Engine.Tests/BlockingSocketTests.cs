using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using SmtpTools.Protocol;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>
    /// The send path's connection leaves the runtime's asynchronous socket engine once MailKit takes it (it only blocks
    /// on it from then on): the same connection, now on a socket that blocks in the kernel.
    /// </summary>
    public sealed class BlockingSocketTests
    {
        private static readonly bool Linux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        [Fact]
        public async Task A_connection_used_asynchronously_continues_on_a_blocking_socket_with_nothing_lost()
        {
            using var pair = await Pair.ConnectAsync();
            var (original, peer) = (pair.Client, pair.Peer);
            peer.Send(Encoding.ASCII.GetBytes("220 first\r\n"));
            var buffer = new byte[64];
            Assert.Equal(11, await original.ReceiveAsync(new ArraySegment<byte>(buffer), SocketFlags.None)); // now registered with the engine
            original.ReceiveTimeout = 5000;

            using var blocking = BlockingSocket.TryDetach(original);

            if (!Linux)
            {
                Assert.Null(blocking);
                return;
            }

            Assert.NotNull(blocking);
            Assert.True(blocking!.Blocking);
            Assert.Equal(5000, blocking.ReceiveTimeout);
            Assert.Throws<ObjectDisposedException>(() => original.Available); // the original descriptor is closed...
            peer.Send(Encoding.ASCII.GetBytes("250 still here\r\n")); // ...and the connection is not
            Assert.Equal("250 still here\r\n", Encoding.ASCII.GetString(buffer, 0, blocking.Receive(buffer)));
            blocking.Send(Encoding.ASCII.GetBytes("QUIT\r\n"));
            peer.ReceiveTimeout = 5000;
            Assert.Equal("QUIT\r\n", Encoding.ASCII.GetString(buffer, 0, peer.Receive(buffer)));
        }

        [Fact]
        public async Task A_read_blocked_on_the_moved_connection_ends_when_its_stream_is_closed_from_another_thread()
        {
            // What a stopped pipeline or a disposed batch does: close the connection's stream under a blocked read. On a
            // socket BlockingSocket made, Socket.Dispose alone would wait for that read; NetworkStream shuts it down first.
            using var pair = await Pair.ConnectAsync();
            var (original, peer) = (pair.Client, pair.Peer);
            var stream = new QuickAckStream(new NetworkStream(original, ownsSocket: true), original);
            var blocking = BlockingSocket.TryDetach(original);
            if (blocking != null)
            {
                stream.Rebind(new NetworkStream(blocking, ownsSocket: true), blocking);
            }

            var read = Task.Run(() =>
            {
                try
                {
                    return stream.Read(new byte[16], 0, 16);
                }
                catch (Exception e) when (e is System.IO.IOException || e is ObjectDisposedException)
                {
                    return -1;
                }
            });
            await Task.Delay(200);
            Assert.False(read.IsCompleted);
            var closing = Task.Run(() => stream.Dispose());

            Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))));
            Assert.Same(closing, await Task.WhenAny(closing, Task.Delay(TimeSpan.FromSeconds(10))));
        }

        [Fact]
        public async Task The_moved_connection_ends_with_FIN_when_closed()
        {
            using var pair = await Pair.ConnectAsync();
            var (original, peer) = (pair.Client, pair.Peer);
            peer.ReceiveTimeout = 5000;

            var blocking = BlockingSocket.TryDetach(original) ?? original;
            blocking.Send(Encoding.ASCII.GetBytes("QUIT\r\n"));
            blocking.Dispose();

            var buffer = new byte[64];
            Assert.Equal(6, peer.Receive(buffer));
            Assert.Equal(0, peer.Receive(buffer)); // an orderly end of stream; a reset would throw ConnectionReset
        }

        // A loopback connection whose client side has been used asynchronously (connected with ConnectAsync).
        private sealed class Pair : IDisposable
        {
            private readonly TcpListener _listener;

            private Pair(TcpListener listener, Socket client, Socket peer)
            {
                _listener = listener;
                Client = client;
                Peer = peer;
            }

            public Socket Client { get; }

            public Socket Peer { get; }

            public static async Task<Pair> ConnectAsync()
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
                return new Pair(listener, client, await listener.AcceptSocketAsync());
            }

            public void Dispose()
            {
                Peer.Dispose();
                _listener.Stop();
            }
        }
    }
}
