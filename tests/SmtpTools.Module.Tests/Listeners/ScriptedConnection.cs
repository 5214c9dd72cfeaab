using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Module.Tests.Listeners
{
    /// <summary>One accepted connection, as a <see cref="ScriptedListener"/> script sees it: send, read lines, wait for the client to go.</summary>
    public sealed class ScriptedConnection
    {
        private readonly Socket _socket;

        internal ScriptedConnection(Socket socket, CancellationToken closing)
        {
            _socket = socket;
            Closing = closing;
            Stream = new NetworkStream(socket, ownsSocket: true);
        }

        /// <summary>The raw byte stream.</summary>
        public NetworkStream Stream { get; }

        /// <summary>Fires when the listener is disposed: every wait in a script should honour it.</summary>
        public CancellationToken Closing { get; }

        /// <summary>The client's address and port.</summary>
        public IPEndPoint RemoteEndPoint => (IPEndPoint)_socket.RemoteEndPoint!;

        /// <summary>Sends text as UTF-8, as is (include the line ends).</summary>
        public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

        /// <summary>Sends bytes.</summary>
        public async Task SendAsync(byte[] bytes) => await Stream.WriteAsync(bytes, Closing);

        /// <summary>Reads one line (without its CR LF); null when the client closed first. Lines longer than <paramref name="maxLength"/> bytes are cut there.</summary>
        public async Task<string?> ReadLineAsync(int maxLength = 4096)
        {
            var bytes = new List<byte>();
            var one = new byte[1];
            while (bytes.Count < maxLength)
            {
                if (await Stream.ReadAsync(one, Closing) == 0)
                {
                    return null;
                }

                if (one[0] == (byte)'\n')
                {
                    break;
                }

                bytes.Add(one[0]);
            }

            return Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\r');
        }

        /// <summary>Reads and discards whatever the client sends until it closes the connection or the listener is disposed.</summary>
        public async Task WaitUntilClosedAsync()
        {
            var buffer = new byte[4096];
            while (await Stream.ReadAsync(buffer, Closing) > 0)
            {
            }
        }

        internal void Close() => Stream.Dispose();
    }
}
