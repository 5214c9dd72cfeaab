using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// Reads SMTP replies from a stream one byte at a time, so that nothing past the end of a reply is consumed:
    /// after "220 Ready to start TLS" the next byte on the socket belongs to the TLS handshake.
    /// Limits protect against hostile servers: a line is at most <see cref="MaxLineLength"/> bytes
    /// (RFC 5321 4.5.3.1.5 says 512; we allow more) and a reply at most <see cref="MaxLines"/> lines.
    /// </summary>
    internal sealed class SmtpReplyReader
    {
        internal const int MaxLineLength = 4096;
        internal const int MaxLines = 512;

        private readonly Stream _stream;
        private readonly byte[] _one = new byte[1];

        public SmtpReplyReader(Stream stream)
        {
            _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        }

        /// <summary>Reads one whole reply.</summary>
        /// <exception cref="SmtpProtocolException">The input is not an SMTP reply, or breaks a limit.</exception>
        /// <exception cref="EndOfStreamException">The peer closed the connection before a whole reply arrived.</exception>
        public async Task<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken)
        {
            var lines = new List<string>();
            int code = -1;
            while (true)
            {
                var line = await ReadLineAsync(lines.Count == 0, cancellationToken).ConfigureAwait(false);
                var parsed = ParseLine(line, out var lineCode, out var isLast, out var text);
                if (!parsed)
                {
                    throw new SmtpProtocolException("The server's reply is not SMTP (expected a three-digit code).", Printable(line));
                }

                if (code == -1)
                {
                    code = lineCode;
                }
                else if (lineCode != code)
                {
                    throw new SmtpProtocolException($"The server mixed reply codes {code} and {lineCode} in one reply.", Printable(line));
                }

                lines.Add(text);
                if (isLast)
                {
                    return new SmtpReply(code, lines);
                }

                if (lines.Count >= MaxLines)
                {
                    throw new SmtpProtocolException($"The server's reply has more than {MaxLines} lines.");
                }
            }
        }

        /// <summary>Parses "250-text" or "250 text" (or a bare "250"). Pure, for tests and fuzzing.</summary>
        internal static bool ParseLine(string line, out int code, out bool isLast, out string text)
        {
            code = 0;
            isLast = true;
            text = string.Empty;
            if (line.Length < 3 || !IsDigit(line[0], '2', '5') || !IsDigit(line[1], '0', '5') || !IsDigit(line[2], '0', '9'))
            {
                return false;
            }

            code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
            if (line.Length == 3)
            {
                return true;
            }

            if (line[3] != ' ' && line[3] != '-')
            {
                return false;
            }

            isLast = line[3] == ' ';
            text = line.Substring(4);
            return true;
        }

        /// <summary>Escapes control bytes and truncates, so hostile input can be shown in an error message safely.</summary>
        internal static string Printable(string input, int max = 120)
        {
            var sb = new StringBuilder();
            foreach (var c in input)
            {
                if (sb.Length >= max)
                {
                    sb.Append('…');
                    break;
                }

                if (c == '\r')
                {
                    sb.Append("\\r");
                }
                else if (c == '\n')
                {
                    sb.Append("\\n");
                }
                else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\ufffd')
                {
                    sb.Append("\\x").Append(((int)c).ToString("x2"));
                }
                else
                {
                    sb.Append(c);
                }
            }

            return sb.ToString();
        }

        private static bool IsDigit(char c, char min, char max) => c >= min && c <= max;

        private async Task<string> ReadLineAsync(bool first, CancellationToken cancellationToken)
        {
            var bytes = new List<byte>(128);
            while (true)
            {
                var read = await _stream.ReadAsync(_one, 0, 1, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    if (bytes.Count == 0 && first)
                    {
                        throw new EndOfStreamException("The server closed the connection without a reply.");
                    }

                    throw new EndOfStreamException("The server closed the connection in the middle of a reply: " + Printable(Decode(bytes)));
                }

                var b = _one[0];
                if (b == (byte)'\n')
                {
                    if (bytes.Count > 0 && bytes[bytes.Count - 1] == (byte)'\r')
                    {
                        bytes.RemoveAt(bytes.Count - 1);
                    }

                    return Decode(bytes);
                }

                if (bytes.Count >= MaxLineLength)
                {
                    throw new SmtpProtocolException($"The server sent a line longer than {MaxLineLength} bytes.", Printable(Decode(bytes)));
                }

                bytes.Add(b);
            }
        }

        // Replies are ASCII in practice; UTF-8 keeps SMTPUTF8 servers' text readable, invalid bytes become U+FFFD.
        private static string Decode(List<byte> bytes) => Encoding.UTF8.GetString(bytes.ToArray());
    }
}
