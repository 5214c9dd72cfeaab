using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Protocol;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    public sealed class SmtpReplyReaderTests
    {
        // Byte by byte, and with a peek at what "arrived" (the stream's rest, at most peekLimit bytes at a time, as a
        // socket that has received that much): the same replies, the same refusals.
        public static readonly TheoryData<int> Peeks = new TheoryData<int> { 0, 1, 7, 4096 };

        private static Task<SmtpReply> Read(string wire, int peekLimit = 0) =>
            Reader(new MemoryStream(Encoding.UTF8.GetBytes(wire)), peekLimit).ReadReplyAsync(CancellationToken.None);

        private static SmtpReplyReader Reader(MemoryStream stream, int peekLimit) =>
            new SmtpReplyReader(stream, peekLimit == 0 ? null : buffer =>
            {
                var position = stream.Position;
                var count = stream.Read(buffer, 0, System.Math.Min(buffer.Length, peekLimit));
                stream.Position = position;
                return count;
            });

        [Theory]
        [MemberData(nameof(Peeks))]
        public async Task Reads_a_multiline_EHLO_reply_as_one_reply(int peekLimit)
        {
            var reply = await Read("250-mail.example\r\n250-SIZE 1000\r\n250 STARTTLS\r\n", peekLimit);
            Assert.Equal(250, reply.Code);
            Assert.Equal(new[] { "mail.example", "SIZE 1000", "STARTTLS" }, reply.Lines);
        }

        [Theory]
        [MemberData(nameof(Peeks))]
        public async Task Never_reads_past_the_end_of_a_reply_so_TLS_bytes_stay_on_the_socket(int peekLimit)
        {
            var stream = new MemoryStream(Encoding.ASCII.GetBytes("220 2.0.0 Ready to start TLS\r\n\x16\x03\x01"));
            await Reader(stream, peekLimit).ReadReplyAsync(CancellationToken.None);
            Assert.Equal(0x16, stream.ReadByte());
        }

        [Fact]
        public async Task A_line_exactly_at_the_limit_is_read_and_one_byte_more_is_refused_with_a_peek_as_without()
        {
            // MaxLineLength bytes before the LF, CR included: accepted; one more: refused, in both modes alike.
            var atLimit = "250 " + new string('a', SmtpReplyReader.MaxLineLength - 5) + "\r\n";
            var overLimit = "250 " + new string('a', SmtpReplyReader.MaxLineLength - 4) + "\r\n";
            foreach (var peekLimit in new[] { 0, 1000, 4096 })
            {
                Assert.Equal(250, (await Read(atLimit, peekLimit)).Code);
                await Assert.ThrowsAsync<SmtpProtocolException>(() => Read(overLimit, peekLimit));
            }
        }

        [Fact]
        public async Task With_a_peek_an_EHLO_reply_takes_a_read_per_line_instead_of_one_per_byte()
        {
            var wire = "250-mail.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n";
            var stream = new CountingStream(new MemoryStream(Encoding.ASCII.GetBytes(wire)));
            var inner = (MemoryStream)stream.Inner;
            var reader = new SmtpReplyReader(stream, buffer =>
            {
                var position = inner.Position;
                var count = inner.Read(buffer, 0, buffer.Length);
                inner.Position = position;
                return count;
            });

            var reply = await reader.ReadReplyAsync(CancellationToken.None);

            Assert.Equal(8, reply.Lines.Count);
            Assert.Equal(8, stream.Reads); // byte by byte: wire.Length (175) reads
        }

        private sealed class CountingStream : Stream
        {
            public CountingStream(Stream inner) => Inner = inner;

            public Stream Inner { get; }

            public int Reads { get; private set; }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new System.NotSupportedException();

            public override long Position { get => throw new System.NotSupportedException(); set => throw new System.NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count)
            {
                Reads++;
                return Inner.Read(buffer, offset, count);
            }

            public override void Flush()
            {
            }

            public override long Seek(long offset, SeekOrigin origin) => throw new System.NotSupportedException();

            public override void SetLength(long value) => throw new System.NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new System.NotSupportedException();
        }

        [Theory]
        [MemberData(nameof(Peeks))]
        public async Task Accepts_bare_LF_line_endings_and_a_code_without_text(int peekLimit)
        {
            var reply = await Read("250\n", peekLimit);
            Assert.Equal(250, reply.Code);
            Assert.Equal(new[] { string.Empty }, reply.Lines);
        }

        [Theory]
        [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
        [InlineData("HTTP/1.1 400 Bad Request\r\n")]
        [InlineData("2x0 nope\r\n")]
        [InlineData("250_bad separator\r\n")]
        public async Task Rejects_what_is_not_SMTP(string wire)
        {
            var e = await Assert.ThrowsAsync<SmtpProtocolException>(() => Read(wire));
            Assert.NotNull(e.Received);
        }

        [Theory]
        [MemberData(nameof(Peeks))]
        public async Task Rejects_mixed_codes_in_one_reply(int peekLimit)
        {
            await Assert.ThrowsAsync<SmtpProtocolException>(() => Read("250-one\r\n251 two\r\n", peekLimit));
        }

        [Theory]
        [MemberData(nameof(Peeks))]
        public async Task Rejects_an_overlong_line_instead_of_buffering_without_end(int peekLimit)
        {
            await Assert.ThrowsAsync<SmtpProtocolException>(() => Read("250 " + new string('a', SmtpReplyReader.MaxLineLength + 10) + "\r\n", peekLimit));
        }

        [Theory]
        [MemberData(nameof(Peeks))]
        public async Task Reports_a_connection_closed_mid_reply(int peekLimit)
        {
            await Assert.ThrowsAsync<EndOfStreamException>(() => Read("250-first\r\n250-sec", peekLimit));
        }

        [Fact]
        public void Printable_escapes_control_bytes_from_hostile_servers()
        {
            Assert.Equal("a\\r\\n\\x1b[2J", SmtpReplyReader.Printable("a\r\n\u001b[2J"));
        }
    }
}
