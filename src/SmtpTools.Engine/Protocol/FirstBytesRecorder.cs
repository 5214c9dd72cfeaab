using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// A pass-through stream that keeps the first bytes read through it. Under a TLS handshake it shows what a server
    /// answered when it was not TLS: "220 ..." from a plaintext SMTP server that greeted late, "HTTP/1.1 400" from a
    /// web server. SslStream's own error says only that the frame was not TLS.
    /// </summary>
    internal sealed class FirstBytesRecorder : DelegatingStream
    {
        private const int Capacity = 64;
        private readonly byte[] _first = new byte[Capacity];
        private Action? _firstRead;
        private int _count;

        /// <param name="inner">The stream read through.</param>
        /// <param name="firstRead">Called once, when the first bytes arrive; null for none.</param>
        public FirstBytesRecorder(Stream inner, Action? firstRead = null)
            : base(inner)
        {
            _firstRead = firstRead;
        }

        /// <summary>The first bytes read (at most 64).</summary>
        public byte[] FirstBytes
        {
            get
            {
                var copy = new byte[_count];
                Array.Copy(_first, copy, _count);
                return copy;
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => Keep(buffer, offset, Inner.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Keep(buffer, offset, await Inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));

        private int Keep(byte[] buffer, int offset, int read)
        {
            if (read > 0 && _firstRead != null)
            {
                var first = _firstRead;
                _firstRead = null;
                first();
            }

            var room = Math.Min(read, Capacity - _count);
            if (room > 0)
            {
                Array.Copy(buffer, offset, _first, _count, room);
                _count += room;
            }

            return read;
        }
    }
}
