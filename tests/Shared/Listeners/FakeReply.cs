using System;
using System.Text;
using System.Threading.Tasks;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>
    /// What a <see cref="FakeSmtpServer"/> does at one point of the conversation: the bytes it sends, how it sends them
    /// (at once, split in two packets, dripped byte by byte) and what it does next (carry on, hang up, fall silent).
    /// Immutable: the builder methods return a copy.
    /// </summary>
    public sealed class FakeReply
    {
        private FakeReply(byte[] bytes, TimeSpan perByte, bool split, FakeReplyThen then)
        {
            Bytes = bytes;
            PerByte = perByte;
            Split = split;
            Then = then;
        }

        /// <summary>What happens after a reply.</summary>
        public enum FakeReplyThen
        {
            /// <summary>The conversation goes on.</summary>
            Continue,

            /// <summary>The server closes the connection (after sending the bytes, if any).</summary>
            HangUp,

            /// <summary>The server never says anything again and waits for the client to give up.</summary>
            Silence,
        }

        /// <summary>Hang up at once, saying nothing.</summary>
        public static FakeReply HangUp { get; } = new FakeReply(Array.Empty<byte>(), TimeSpan.Zero, false, FakeReplyThen.HangUp);

        /// <summary>Say nothing, ever: a tarpit.</summary>
        public static FakeReply Silence { get; } = new FakeReply(Array.Empty<byte>(), TimeSpan.Zero, false, FakeReplyThen.Silence);

        /// <summary>The bytes sent.</summary>
        public byte[] Bytes { get; }

        /// <summary>The pause after each byte (zero: all at once).</summary>
        public TimeSpan PerByte { get; }

        /// <summary>Sent as two packets with a pause between.</summary>
        public bool Split { get; }

        /// <summary>What follows.</summary>
        public FakeReplyThen Then { get; }

        /// <summary>The SMTP status code of the reply, or 0 when it does not start with three digits.</summary>
        public int Code => Bytes.Length >= 3 && char.IsDigit((char)Bytes[0]) && char.IsDigit((char)Bytes[1]) && char.IsDigit((char)Bytes[2])
            ? ((Bytes[0] - '0') * 100) + ((Bytes[1] - '0') * 10) + (Bytes[2] - '0')
            : 0;

        /// <summary>A reply of one or more lines ("250-a\n250 b"); each line gets CR LF.</summary>
        public static FakeReply Say(string reply)
        {
            var text = new StringBuilder();
            foreach (var line in reply.Split('\n'))
            {
                text.Append(line.TrimEnd('\r')).Append("\r\n");
            }

            return Raw(Encoding.UTF8.GetBytes(text.ToString()));
        }

        /// <summary>Exactly these bytes, no line end added.</summary>
        public static FakeReply Raw(byte[] bytes) => new FakeReply(bytes, TimeSpan.Zero, false, FakeReplyThen.Continue);

        /// <summary>The same bytes, one at a time with <paramref name="perByte"/> between them.</summary>
        public FakeReply Dripped(TimeSpan perByte) => new FakeReply(Bytes, perByte, Split, Then);

        /// <summary>The same bytes in two packets, cut in the middle of a line.</summary>
        public FakeReply SplitInTwo() => new FakeReply(Bytes, PerByte, true, Then);

        /// <summary>The same bytes, then the connection is closed.</summary>
        public FakeReply ThenHangUp() => new FakeReply(Bytes, PerByte, Split, FakeReplyThen.HangUp);

        /// <summary>The same bytes, then silence until the client gives up.</summary>
        public FakeReply ThenSilence() => new FakeReply(Bytes, PerByte, Split, FakeReplyThen.Silence);

        /// <summary>Sends the bytes as described; true when the conversation may go on.</summary>
        internal async Task<bool> PlayAsync(ScriptedConnection connection)
        {
            if (PerByte > TimeSpan.Zero)
            {
                foreach (var b in Bytes)
                {
                    await connection.SendAsync(new[] { b });
                    await Task.Delay(PerByte, connection.Closing);
                }
            }
            else if (Split && Bytes.Length > 1)
            {
                var half = Bytes.Length / 2;
                await connection.SendAsync(Bytes.AsSpan(0, half).ToArray());
                await Task.Delay(TimeSpan.FromMilliseconds(50), connection.Closing);
                await connection.SendAsync(Bytes.AsSpan(half).ToArray());
            }
            else if (Bytes.Length > 0)
            {
                await connection.SendAsync(Bytes);
            }

            switch (Then)
            {
                case FakeReplyThen.HangUp:
                    return false;
                case FakeReplyThen.Silence:
                    await connection.WaitUntilClosedAsync();
                    return false;
                default:
                    return true;
            }
        }

        /// <inheritdoc />
        public override string ToString() => Encoding.UTF8.GetString(Bytes).TrimEnd() + (Then == FakeReplyThen.Continue ? string.Empty : " then " + Then);
    }
}
