using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>
    /// A scriptable SMTP server on loopback, for the faults a real server will not produce on request: greeting, EHLO,
    /// STARTTLS (with a test certificate), AUTH (PLAIN, LOGIN, XOAUTH2), MAIL, RCPT, DATA, and at every step a hook of
    /// its <see cref="FakeSmtpScript"/> may answer otherwise: byte by byte, split, garbage, 4xx, 5xx, 421, a hang-up,
    /// silence. It records what the client did (commands, messages and their outcome, bytes sent in clear), so a test
    /// can count deliveries and prove what never crossed the wire. Bounded like every <see cref="ScriptedListener"/>.
    /// </summary>
    public sealed class FakeSmtpServer : IDisposable
    {
        private const int MaxCommandLength = 64 * 1024;

        private readonly FakeSmtpScript _script;
        private readonly ScriptedListener _listener;
        private readonly List<(bool Tls, string Line)> _commands = new List<(bool, string)>();
        private readonly List<FakeMessage> _messages = new List<FakeMessage>();
        private int _sessions;
        private int _dataCommands;

        /// <summary>Starts listening on 127.0.0.1 (any free port) with <paramref name="script"/> (a well-behaved server when null).</summary>
        public FakeSmtpServer(FakeSmtpScript? script = null, int maxConnections = 64)
        {
            _script = script ?? new FakeSmtpScript();
            if (_script.ImplicitTls && _script.Certificate == null)
            {
                throw new ArgumentException("Implicit TLS needs a certificate.", nameof(script));
            }

            _listener = ScriptedListener.Start(ConverseAsync, maxConnections: maxConnections);
        }

        /// <summary>The port.</summary>
        public int Port => _listener.Port;

        /// <summary>Connections accepted so far.</summary>
        public int Connections => _listener.AcceptedCount;

        /// <summary>DATA commands received so far (answered or not).</summary>
        public int DataCommands => Volatile.Read(ref _dataCommands);

        /// <summary>Every command line received, in order, with whether TLS was up.</summary>
        public IReadOnlyList<(bool Tls, string Line)> Commands
        {
            get
            {
                lock (_commands)
                {
                    return _commands.ToList();
                }
            }
        }

        /// <summary>Every message received up to its final dot, in order.</summary>
        public IReadOnlyList<FakeMessage> Messages
        {
            get
            {
                lock (_messages)
                {
                    return _messages.ToList();
                }
            }
        }

        /// <summary>Every byte any client sent before TLS, all connections in order.</summary>
        public byte[] ReceivedInClear => _listener.ReceivedInClear;

        /// <summary>Connections the client opened only to try a TLS handshake (see <see cref="ScriptedListener.ConnectionsOpenedWithTlsHandshake"/>).</summary>
        public int ConnectionsOpenedWithTlsHandshake => _listener.ConnectionsOpenedWithTlsHandshake;

        /// <summary>How many times the message with <paramref name="messageId"/> counts as delivered (accepted, or dropped after the dot).</summary>
        public int DeliveriesOf(string messageId) => Messages.Count(m => m.MessageId == messageId && m.CountsAsDelivered);

        /// <summary>Stops listening and closes every connection (bounded).</summary>
        public void Dispose() => _listener.Dispose();

        private async Task ConverseAsync(ScriptedConnection connection)
        {
            var session = new FakeSession(this, connection, Interlocked.Increment(ref _sessions));
            if (_script.ImplicitTls && !await TryStartTlsAsync(connection))
            {
                return;
            }

            var greeting = _script.Greeting?.Invoke(session) ?? FakeReply.Say($"220 {FakeSmtpScript.ServerName} ESMTP SmtpTools fault server");
            if (!await PlayAsync(greeting, connection))
            {
                return;
            }

            var transaction = new FakeMessage();
            string? line;
            while ((line = await connection.ReadLineAsync(MaxCommandLength)) != null)
            {
                lock (_commands)
                {
                    _commands.Add((connection.IsTls, line));
                }

                var verb = line.Split(' ', ':')[0].ToUpperInvariant();
                if (verb == "MAIL")
                {
                    session.MailCommands++;
                }

                var custom = _script.Command?.Invoke(session, line);
                if (custom != null)
                {
                    // A custom 2xx to MAIL or RCPT still opens the transaction or adds the recipient; anything else refuses them.
                    var accepted = custom.Code >= 200 && custom.Code < 300;
                    if (verb == "MAIL")
                    {
                        transaction = accepted ? new FakeMessage { Sender = Address(line) } : new FakeMessage();
                    }
                    else if (verb == "RCPT" && accepted)
                    {
                        transaction.Recipients.Add(Address(line));
                    }

                    if (!await PlayAsync(custom, connection))
                    {
                        return;
                    }

                    continue;
                }

                FakeReply reply;
                switch (verb)
                {
                    case "EHLO":
                        var lines = EhloLines(connection.IsTls);
                        reply = FakeReply.Say(string.Join("\n", lines.Select((l, i) => (i == lines.Count - 1 ? "250 " : "250-") + l)));
                        break;
                    case "HELO":
                        reply = FakeReply.Say("250 " + FakeSmtpScript.ServerName);
                        break;
                    case "STARTTLS" when _script.Certificate != null && !connection.IsTls:
                        await PlayAsync(FakeReply.Say("220 2.0.0 Ready to start TLS"), connection);
                        if (!await TryStartTlsAsync(connection))
                        {
                            return;
                        }

                        transaction = new FakeMessage();
                        continue;
                    case "AUTH":
                        if (!await AuthenticateAsync(connection, line))
                        {
                            return;
                        }

                        continue;
                    case "MAIL":
                        transaction = new FakeMessage { Sender = Address(line) };
                        reply = FakeReply.Say("250 2.1.0 Ok");
                        break;
                    case "RCPT" when transaction.Sender.Length == 0:
                    case "DATA" when transaction.Sender.Length == 0:
                        reply = FakeReply.Say("503 5.5.1 Error: need MAIL command");
                        break;
                    case "RCPT":
                        transaction.Recipients.Add(Address(line));
                        reply = FakeReply.Say("250 2.1.5 Ok");
                        break;
                    case "DATA" when transaction.Recipients.Count == 0:
                        reply = FakeReply.Say("554 5.5.1 Error: no valid recipients");
                        break;
                    case "DATA":
                        Interlocked.Increment(ref _dataCommands);
                        if (!await ReceiveDataAsync(session, transaction))
                        {
                            return;
                        }

                        transaction = new FakeMessage();
                        continue;
                    case "RSET":
                        transaction = new FakeMessage();
                        reply = FakeReply.Say("250 2.0.0 Ok");
                        break;
                    case "NOOP":
                        reply = FakeReply.Say("250 2.0.0 Ok");
                        break;
                    case "QUIT":
                        reply = FakeReply.Say("221 2.0.0 Bye").ThenHangUp();
                        break;
                    default:
                        reply = FakeReply.Say("502 5.5.2 Error: command not recognized");
                        break;
                }

                if (!await PlayAsync(reply, connection))
                {
                    return;
                }
            }
        }

        private List<string> EhloLines(bool tls)
        {
            var lines = new List<string> { FakeSmtpScript.ServerName };
            lines.AddRange(_script.Extensions);
            if (_script.Certificate != null && !tls)
            {
                lines.Add("STARTTLS");
            }

            if (tls || _script.AuthBeforeTls)
            {
                lines.Add("AUTH " + _script.AuthMechanisms);
            }

            return lines;
        }

        private async Task<bool> TryStartTlsAsync(ScriptedConnection connection)
        {
            try
            {
                await connection.UpgradeToTlsAsync(_script.Certificate!, intermediates: _script.Intermediates);
                return true;
            }
            catch (Exception e) when (e is AuthenticationException || e is IOException)
            {
                return false; // the client refused our certificate or went away: its side of the story is the test's
            }
        }

        // PLAIN, XOAUTH2 and OAUTHBEARER with or without an initial response; LOGIN in two steps. Any credential is taken.
        private async Task<bool> AuthenticateAsync(ScriptedConnection connection, string line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var mechanism = parts.Length > 1 ? parts[1].ToUpperInvariant() : string.Empty;
            var steps = mechanism == "LOGIN" ? 2 : 1;
            if (parts.Length > 2)
            {
                steps--;
            }

            var prompts = mechanism == "LOGIN" ? new[] { "334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6" }.Skip(2 - steps) : Enumerable.Repeat("334 ", steps);
            foreach (var prompt in prompts)
            {
                await PlayAsync(FakeReply.Say(prompt), connection);
                var answer = await connection.ReadLineAsync(MaxCommandLength);
                if (answer == null)
                {
                    return false;
                }

                if (answer == "*")
                {
                    return await PlayAsync(FakeReply.Say("501 5.7.0 Authentication aborted"), connection);
                }
            }

            return await PlayAsync(FakeReply.Say("235 2.7.0 Authentication successful"), connection);
        }

        private async Task<bool> ReceiveDataAsync(FakeSession session, FakeMessage message)
        {
            if (!await PlayAsync(FakeReply.Say("354 End data with <CR><LF>.<CR><LF>"), session.Connection))
            {
                return false;
            }

            var data = new StringBuilder();
            var raw = new List<byte>();
            var inHeaders = true;
            for (var number = 1; ; number++)
            {
                var bytes = await session.Connection.ReadRawLineAsync(MaxCommandLength);
                if (bytes == null)
                {
                    return false; // the client went away during DATA: no message
                }

                raw.AddRange(bytes);
                var text = Encoding.UTF8.GetString(bytes);
                var line = text.EndsWith('\n') ? text.Substring(0, text.Length - 1).TrimEnd('\r') : text;

                if (line == ".")
                {
                    break;
                }

                line = line.StartsWith("..", StringComparison.Ordinal) ? line.Substring(1) : line;
                data.Append(line).Append("\r\n");
                inHeaders &= line.Length > 0;
                if (inHeaders && line.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))
                {
                    message.MessageId = line.Substring(11).Trim().Trim('<', '>');
                }

                var cut = _script.DataLine?.Invoke(session, number, line);
                if (cut != null)
                {
                    return await PlayAsync(cut, session.Connection);
                }
            }

            message.Data = data.ToString();
            message.RawData = raw.ToArray();
            message.Connection = session.Number;
            lock (_messages)
            {
                _messages.Add(message);
                message.Number = _messages.Count;
            }

            session.MessagesOnConnection++;
            var reply = _script.AfterDot?.Invoke(session, message) ?? FakeReply.Say($"250 2.0.0 Ok: queued as FAKE{message.Number}");
            var code = reply.Code;
            message.Outcome = code >= 200 && code < 300 ? FakeMessage.Verdict.Accepted : code >= 400 && code < 600 ? FakeMessage.Verdict.Refused : FakeMessage.Verdict.Dropped;
            return await PlayAsync(reply, session.Connection);
        }

        private Task<bool> PlayAsync(FakeReply reply, ScriptedConnection connection) => (_script.Shape?.Invoke(reply) ?? reply).PlayAsync(connection);

        // "MAIL FROM:<a@b> SIZE=1" -> "a@b"
        private static string Address(string line)
        {
            var open = line.IndexOf('<');
            var close = open < 0 ? -1 : line.IndexOf('>', open);
            return open >= 0 && close > open ? line.Substring(open + 1, close - open - 1) : string.Empty;
        }
    }
}
