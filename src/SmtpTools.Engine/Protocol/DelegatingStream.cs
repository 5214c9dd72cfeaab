using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// A stream that passes everything to another (timeouts included, which MailKit and SslStream set through the
    /// chain) and owns it: the base for the wrappers that watch or replay what is read.
    /// </summary>
    internal abstract class DelegatingStream : Stream
    {
        protected DelegatingStream(Stream inner) => Inner = inner ?? throw new ArgumentNullException(nameof(inner));

        protected Stream Inner { get; private set; }

        /// <summary>Puts <paramref name="inner"/> in place of the stream passed on to, which is dropped without being disposed.</summary>
        protected void ReplaceInner(Stream inner) => Inner = inner ?? throw new ArgumentNullException(nameof(inner));

        public override bool CanRead => Inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => Inner.CanWrite;

        public override bool CanTimeout => Inner.CanTimeout;

        public override int ReadTimeout { get => Inner.ReadTimeout; set => Inner.ReadTimeout = value; }

        public override int WriteTimeout { get => Inner.WriteTimeout; set => Inner.WriteTimeout = value; }

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Inner.Read(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => Inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                Inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
