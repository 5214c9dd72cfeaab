using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using MailKit;

namespace SmtpTools.Sending
{
    /// <summary>
    /// MailKit's protocol log turned into a swaks-style transcript ("&lt;-" received, " -&gt;" sent, "~" inside TLS)
    /// that is safe to keep: everything a client sends while authenticating is shown as ********, known secrets (the
    /// password, the token and their base64 forms) are scrubbed from every line whatever their position, and message
    /// data is summarised by size rather than copied.
    /// </summary>
    internal sealed class SmtpTranscriptLogger : IProtocolLogger
    {
        internal const string Redacted = "********";

        private readonly Action<string>? _sink;
        private readonly TextWriter? _file;
        private readonly LineBuffer _clientLine = new LineBuffer();
        private readonly LineBuffer _serverLine = new LineBuffer();
        private IReadOnlyList<string> _secrets = Array.Empty<string>();
        private bool _inAuth;
        private bool _skipReplayedGreeting;
        private bool _awaitingDataReply;
        private bool _inData;
        private long _dataBytes;
        private bool _startTlsSent;

        public SmtpTranscriptLogger(Action<string>? sink, string? filePath)
        {
            _sink = sink;
            if (!string.IsNullOrEmpty(filePath))
            {
                var stream = new FileStream(filePath, FileMode.Append, FileAccess.Write, FileShare.Read);
                _file = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
            }
        }

        /// <inheritdoc />
        public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

        /// <summary>True once TLS protects the conversation (implicit TLS, or after STARTTLS was accepted).</summary>
        public bool IsTls { get; set; }

        /// <summary>The SASL mechanism of the last AUTH command, never its arguments.</summary>
        public string? LastAuthMechanism { get; private set; }

        /// <summary>STARTTLS was sent on this connection.</summary>
        public bool StartTlsSent => _startTlsSent;

        /// <summary>Strings that must never be written: the secrets in every form they travel in.</summary>
        public void SetSecrets(IEnumerable<string> secrets) =>
            _secrets = secrets.Where(s => !string.IsNullOrEmpty(s)).Distinct().OrderByDescending(s => s.Length).ToList();

        /// <summary>Writes a line of our own (not from the wire): connection notes, outcomes.</summary>
        public void Note(string text)
        {
            if (!Quiet)
            {
                Emit("=== " + text);
            }
        }

        /// <summary>A line from our own part of the conversation (greeting, EHLO and STARTTLS before TLS is up), already formatted.</summary>
        public void Wire(string line)
        {
            if (!Quiet)
            {
                Emit(Scrub(line));
            }
        }

        /// <summary>
        /// TLS is up (we did the handshake, not MailKit) and MailKit is about to read the server's greeting again, replayed:
        /// mark what follows as encrypted and leave the replay out, since the transcript already shows the greeting.
        /// </summary>
        public void TlsEstablishedBeforeHandOff(bool greetingReplayed)
        {
            IsTls = true;
            _skipReplayedGreeting = greetingReplayed;
        }

        /// <summary>Starts a new connection's transcript.</summary>
        public void Reset(bool implicitTls)
        {
            _clientLine.Clear();
            _serverLine.Clear();
            _inAuth = _awaitingDataReply = _inData = _startTlsSent = _skipReplayedGreeting = false;
            _dataBytes = 0;
            IsTls = implicitTls;
        }

        /// <inheritdoc />
        /// <remarks>The session notes the connection itself, with the address actually reached.</remarks>
        public void LogConnect(Uri uri)
        {
        }

        /// <inheritdoc />
        public void LogClient(byte[] buffer, int offset, int count)
        {
            if (_inData)
            {
                _dataBytes += count;
                return;
            }

            if (Quiet)
            {
                // Nobody reads the transcript (no -Debug, no -ProtocolLog): follow the conversation's state, decode nothing.
                _clientLine.Feed(buffer, offset, count, EmitClient);
                return;
            }

            var secrets = AuthenticationSecretDetector?.DetectSecrets(buffer, offset, count);
            var bytes = new byte[count];
            Buffer.BlockCopy(buffer, offset, bytes, 0, count);
            if (secrets != null)
            {
                foreach (var secret in secrets)
                {
                    for (var i = Math.Max(0, secret.StartIndex - offset); i < Math.Min(count, secret.StartIndex - offset + secret.Length); i++)
                    {
                        bytes[i] = (byte)'*';
                    }
                }
            }

            _clientLine.Feed(bytes, 0, count, EmitClient);
        }

        /// <inheritdoc />
        public void LogServer(byte[] buffer, int offset, int count) => _serverLine.Feed(buffer, offset, count, ServerLine);

        /// <summary>Pushes buffered lines to the file.</summary>
        public void Flush() => _file?.Flush();

        /// <inheritdoc />
        /// <remarks>MailKit disposes its logger with each client; the transcript outlives reconnects, so this does nothing. See <see cref="Close"/>.</remarks>
        public void Dispose()
        {
        }

        /// <summary>Flushes and closes the log file at the end of the session.</summary>
        public void Close()
        {
            _file?.Flush();
            _file?.Dispose();
        }

        private void ServerLine(LineBuffer line)
        {
            if (_skipReplayedGreeting)
            {
                _skipReplayedGreeting = line.Length >= 4 && line[3] == '-';
                return;
            }

            if (_inData)
            {
                if (!Quiet)
                {
                    Emit((IsTls ? " ~> " : " -> ") + $"[{_dataBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes of message data]");
                }

                _inData = false;
                _dataBytes = 0;
            }

            if (!Quiet)
            {
                Emit((IsTls ? "<~  " : "<-  ") + Scrub(line.Text()));
            }

            var final = line.Length < 4 || line[3] != '-';
            if (!final)
            {
                return;
            }

            if (_inAuth && !line.HasCode("334"))
            {
                _inAuth = false;
            }

            if (_awaitingDataReply)
            {
                _awaitingDataReply = false;
                _inData = line.HasCode("354");
            }

            if (_startTlsSent && line.HasCode("220") && !IsTls)
            {
                IsTls = true;
            }
        }

        private void EmitClient(LineBuffer line)
        {
            string? shown = null;
            if (_inAuth)
            {
                // Every line inside an AUTH exchange is a credential or part of one.
                shown = line.Length == 0 ? string.Empty : Redacted;
            }
            else if (line.StartsWith("AUTH "))
            {
                var text = line.Text();
                var parts = text.Split(new[] { ' ' }, 3, StringSplitOptions.RemoveEmptyEntries);
                LastAuthMechanism = parts.Length > 1 ? parts[1].ToUpperInvariant() : null;
                shown = parts.Length > 2 ? $"{parts[0]} {parts[1]} {Redacted}" : text;
                _inAuth = true;
            }
            else if (line.Is("DATA"))
            {
                _awaitingDataReply = true;
            }
            else if (line.StartsWith("BDAT "))
            {
                _inData = true;
            }
            else if (line.Is("STARTTLS"))
            {
                _startTlsSent = true;
            }

            if (!Quiet)
            {
                Emit((IsTls ? " ~> " : " -> ") + Scrub(shown ?? line.Text()));
            }
        }

        // Nothing reads the transcript: lines are followed for the state (AUTH, DATA, STARTTLS) but never formatted.
        private bool Quiet => _sink == null && _file == null;

        private string Scrub(string line)
        {
            foreach (var secret in _secrets)
            {
                if (line.IndexOf(secret, StringComparison.Ordinal) >= 0)
                {
                    line = line.Replace(secret, Redacted);
                }
            }

            return line;
        }

        private void Emit(string line)
        {
            _sink?.Invoke(line);
            _file?.WriteLine(line);
        }

        // The line being received, as bytes: complete lines are handed on without their line end (trailing CRs
        // dropped), a partial one waits for the rest; text is decoded only for a line that is shown.
        private sealed class LineBuffer
        {
            // A longer line is not kept (a hostile server's endless line must not grow the buffer, and a cut line could
            // show part of a secret that Scrub would no longer recognise): the transcript says how long it was.
            private const int MaxLine = 64 * 1024;

            private byte[] _bytes = new byte[256];
            private int _count;
            private bool _dropped;

            public int Length { get; private set; }

            public byte this[int index] => _bytes[index];

            public void Feed(byte[] buffer, int offset, int count, Action<LineBuffer> line)
            {
                for (var i = offset; i < offset + count; i++)
                {
                    var b = buffer[i];
                    if (b != (byte)'\n')
                    {
                        if (_count == _bytes.Length)
                        {
                            if (_bytes.Length >= MaxLine)
                            {
                                _dropped = true; // its start still tells the reply code or command
                                continue;
                            }

                            Array.Resize(ref _bytes, _bytes.Length * 2);
                        }

                        _bytes[_count++] = b;
                        continue;
                    }

                    Length = _count;
                    while (Length > 0 && _bytes[Length - 1] == (byte)'\r')
                    {
                        Length--;
                    }

                    _count = 0;
                    line(this);
                    _dropped = false;
                }
            }

            public void Clear() => _count = 0;

            public string Text() => !_dropped
                ? Encoding.UTF8.GetString(_bytes, 0, Length)
                : $"[a line of more than {MaxLine.ToString("N0", CultureInfo.InvariantCulture)} bytes, not shown]";

            // The reply code: the first three characters (a line shorter than that has none).
            public bool HasCode(string code) => Length >= 3 && _bytes[0] == code[0] && _bytes[1] == code[1] && _bytes[2] == code[2];

            public bool Is(string command) => Length == command.Length && StartsWith(command);

            // ASCII letters compared without case, as SMTP commands are.
            public bool StartsWith(string prefix)
            {
                if (Length < prefix.Length)
                {
                    return false;
                }

                for (var i = 0; i < prefix.Length; i++)
                {
                    var b = _bytes[i];
                    if (b >= (byte)'a' && b <= (byte)'z')
                    {
                        b = (byte)(b - 32);
                    }

                    if (b != prefix[i])
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }
}
