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
        private static Task<SmtpReply> Read(string wire) =>
            new SmtpReplyReader(new MemoryStream(Encoding.UTF8.GetBytes(wire))).ReadReplyAsync(CancellationToken.None);

        [Fact]
        public async Task Reads_a_multiline_EHLO_reply_as_one_reply()
        {
            var reply = await Read("250-mail.example\r\n250-SIZE 1000\r\n250 STARTTLS\r\n");
            Assert.Equal(250, reply.Code);
            Assert.Equal(new[] { "mail.example", "SIZE 1000", "STARTTLS" }, reply.Lines);
        }

        [Fact]
        public async Task Never_reads_past_the_end_of_a_reply_so_TLS_bytes_stay_on_the_socket()
        {
            var stream = new MemoryStream(Encoding.ASCII.GetBytes("220 2.0.0 Ready to start TLS\r\n\x16\x03\x01"));
            await new SmtpReplyReader(stream).ReadReplyAsync(CancellationToken.None);
            Assert.Equal(0x16, stream.ReadByte());
        }

        [Fact]
        public async Task Accepts_bare_LF_line_endings_and_a_code_without_text()
        {
            var reply = await Read("250\n");
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

        [Fact]
        public async Task Rejects_mixed_codes_in_one_reply()
        {
            await Assert.ThrowsAsync<SmtpProtocolException>(() => Read("250-one\r\n251 two\r\n"));
        }

        [Fact]
        public async Task Rejects_an_overlong_line_instead_of_buffering_without_end()
        {
            await Assert.ThrowsAsync<SmtpProtocolException>(() => Read("250 " + new string('a', SmtpReplyReader.MaxLineLength + 10) + "\r\n"));
        }

        [Fact]
        public async Task Reports_a_connection_closed_mid_reply()
        {
            await Assert.ThrowsAsync<EndOfStreamException>(() => Read("250-first\r\n250-sec"));
        }

        [Fact]
        public void Printable_escapes_control_bytes_from_hostile_servers()
        {
            Assert.Equal("a\\r\\n\\x1b[2J", SmtpReplyReader.Printable("a\r\n\u001b[2J"));
        }
    }
}
