using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Protocol
{
    /// <summary>A socket's stream that asks for an immediate ACK before each read (see <see cref="TcpQuickAck"/>), under TLS and SMTP alike.</summary>
    internal sealed class QuickAckStream : DelegatingStream
    {
        private Socket _socket;

        public QuickAckStream(Stream inner, Socket socket)
            : base(inner)
        {
            _socket = socket;
        }

        /// <summary>Reads and writes through <paramref name="inner"/>, the stream of <paramref name="socket"/>, from now on (see <see cref="SmtpWireSession.ContinueSynchronously"/>).</summary>
        public void Rebind(Stream inner, Socket socket)
        {
            ReplaceInner(inner);
            _socket = socket;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            TcpQuickAck.Request(_socket);
            return Inner.Read(buffer, offset, count);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            TcpQuickAck.Request(_socket);
            return Inner.ReadAsync(buffer, offset, count, cancellationToken);
        }
    }
}
