using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Sending
{
    /// <summary>
    /// Hands MailKit a connection on which we already did STARTTLS ourselves: the first bytes read are the server's
    /// original 220 greeting, replayed, and everything after comes from the TLS stream. MailKit then says EHLO inside
    /// TLS, exactly as RFC 3207 4.2 requires after STARTTLS.
    /// </summary>
    internal sealed class GreetingReplayStream : Stream
    {
        private readonly byte[] _greeting;
        private readonly Stream _inner;
        private int _replayed;

        public GreetingReplayStream(byte[] greeting, Stream inner)
        {
            _greeting = greeting;
            _inner = inner;
        }

        public override bool CanRead => _inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => _inner.CanWrite;

        public override bool CanTimeout => _inner.CanTimeout;

        public override int ReadTimeout { get => _inner.ReadTimeout; set => _inner.ReadTimeout = value; }

        public override int WriteTimeout { get => _inner.WriteTimeout; set => _inner.WriteTimeout = value; }

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) =>
            _replayed < _greeting.Length ? Replay(buffer, offset, count) : _inner.Read(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _replayed < _greeting.Length ? Task.FromResult(Replay(buffer, offset, count)) : _inner.ReadAsync(buffer, offset, count, cancellationToken);

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

        private int Replay(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(count, _greeting.Length - _replayed);
            Array.Copy(_greeting, _replayed, buffer, offset, n);
            _replayed += n;
            return n;
        }
    }
}
