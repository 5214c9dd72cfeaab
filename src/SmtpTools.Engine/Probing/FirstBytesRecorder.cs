using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Probing
{
    /// <summary>
    /// A pass-through stream that keeps the first bytes read through it. Under a TLS handshake it shows what a server
    /// answered when it was not TLS: "220 ..." from a plaintext SMTP server that greeted late, "HTTP/1.1 400" from a
    /// web server. SslStream's own error says only that the frame was not TLS.
    /// </summary>
    internal sealed class FirstBytesRecorder : Stream
    {
        private const int Capacity = 64;
        private readonly Stream _inner;
        private readonly byte[] _first = new byte[Capacity];
        private int _count;

        public FirstBytesRecorder(Stream inner) => _inner = inner;

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

        public override bool CanRead => _inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => _inner.CanWrite;

        public override bool CanTimeout => _inner.CanTimeout;

        public override int ReadTimeout { get => _inner.ReadTimeout; set => _inner.ReadTimeout = value; }

        public override int WriteTimeout { get => _inner.WriteTimeout; set => _inner.WriteTimeout = value; }

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Keep(buffer, offset, _inner.Read(buffer, offset, count));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Keep(buffer, offset, await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));

        public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => _inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Keep(byte[] buffer, int offset, int read)
        {
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
