using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Protocol;

namespace SmtpTools.Sending
{
    /// <summary>
    /// Hands MailKit a connection on which we already did STARTTLS ourselves: the first bytes read are the server's
    /// original 220 greeting, replayed, and everything after comes from the TLS stream. MailKit then says EHLO inside
    /// TLS, exactly as RFC 3207 4.2 requires after STARTTLS.
    /// </summary>
    internal sealed class GreetingReplayStream : DelegatingStream
    {
        private readonly byte[] _greeting;
        private int _replayed;

        public GreetingReplayStream(byte[] greeting, Stream inner)
            : base(inner)
        {
            _greeting = greeting;
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            _replayed < _greeting.Length ? Replay(buffer, offset, count) : Inner.Read(buffer, offset, count);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _replayed < _greeting.Length ? Task.FromResult(Replay(buffer, offset, count)) : Inner.ReadAsync(buffer, offset, count, cancellationToken);

        private int Replay(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(count, _greeting.Length - _replayed);
            Array.Copy(_greeting, _replayed, buffer, offset, n);
            _replayed += n;
            return n;
        }
    }
}
