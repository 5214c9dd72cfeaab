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
        private readonly StringBuilder _clientLine = new StringBuilder();
        private readonly StringBuilder _serverLine = new StringBuilder();
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
                // Nobody reads the transcript (no -Debug, no -ProtocolLog): follow the conversation's state, format nothing.
                foreach (var line in Lines(_clientLine, Encoding.UTF8.GetString(buffer, offset, count)))
                {
                    EmitClient(line);
                }

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

            foreach (var line in Lines(_clientLine, Encoding.UTF8.GetString(bytes)))
            {
                EmitClient(line);
            }
        }

        /// <inheritdoc />
        public void LogServer(byte[] buffer, int offset, int count)
        {
            foreach (var line in Lines(_serverLine, Encoding.UTF8.GetString(buffer, offset, count)))
            {
                if (_skipReplayedGreeting)
                {
                    _skipReplayedGreeting = line.Length >= 4 && line[3] == '-';
                    continue;
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
                    Emit((IsTls ? "<~  " : "<-  ") + Scrub(line));
                }

                var final = line.Length < 4 || line[3] != '-';
                if (!final)
                {
                    continue;
                }

                if (_inAuth && !HasCode(line, "334"))
                {
                    _inAuth = false;
                }

                if (_awaitingDataReply)
                {
                    _awaitingDataReply = false;
                    _inData = HasCode(line, "354");
                }

                if (_startTlsSent && HasCode(line, "220") && !IsTls)
                {
                    IsTls = true;
                }
            }
        }

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

        private void EmitClient(string line)
        {
            var shown = line;
            if (_inAuth)
            {
                // Every line inside an AUTH exchange is a credential or part of one.
                shown = line.Length == 0 ? line : Redacted;
            }
            else if (line.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase))
            {
                var parts = line.Split(new[] { ' ' }, 3, StringSplitOptions.RemoveEmptyEntries);
                LastAuthMechanism = parts.Length > 1 ? parts[1].ToUpperInvariant() : null;
                shown = parts.Length > 2 ? $"{parts[0]} {parts[1]} {Redacted}" : line;
                _inAuth = true;
            }
            else if (string.Equals(line, "DATA", StringComparison.OrdinalIgnoreCase))
            {
                _awaitingDataReply = true;
            }
            else if (line.StartsWith("BDAT ", StringComparison.OrdinalIgnoreCase))
            {
                _inData = true;
            }
            else if (string.Equals(line, "STARTTLS", StringComparison.OrdinalIgnoreCase))
            {
                _startTlsSent = true;
            }

            if (!Quiet)
            {
                Emit((IsTls ? " ~> " : " -> ") + Scrub(shown));
            }
        }

        // Nothing reads the transcript: lines are followed for the state (AUTH, DATA, STARTTLS) but never formatted.
        private bool Quiet => _sink == null && _file == null;

        private static bool HasCode(string line, string code) =>
            line.Length >= 3 ? string.CompareOrdinal(line, 0, code, 0, 3) == 0 : line == code;

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

        // Complete lines from a stream of chunks; a partial line waits in the buffer for the rest.
        private static IEnumerable<string> Lines(StringBuilder pending, string chunk)
        {
            string text;
            if (pending.Length == 0)
            {
                text = chunk;
            }
            else
            {
                pending.Append(chunk);
                text = pending.ToString();
            }

            var start = 0;
            var lines = new List<string>();
            int newline;
            while ((newline = text.IndexOf('\n', start)) >= 0)
            {
                lines.Add(text.Substring(start, newline - start).TrimEnd('\r'));
                start = newline + 1;
            }

            pending.Clear();
            pending.Append(text, start, text.Length - start);
            return lines;
        }
    }
}
