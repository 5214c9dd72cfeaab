using System;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Threading;
using MailKit;
using SmtpTools.Protocol;

namespace SmtpTools.Sending
{
    /// <summary>
    /// Keeps MailKit's conversation bounded. MailKit's timeout applies to each socket read, so a server that drips a
    /// reply one byte at a time, or sends an endless line, holds a send for as long as it likes; and MailKit buffers a
    /// reply of any size. Sitting where MailKit reports every byte (its protocol logger, wrapped around ours), this
    /// closes the socket when a step makes no progress within the timeout (no complete line from the server, nothing
    /// written by us) or when a reply breaks the limits the probes' <see cref="SmtpReplyReader"/> keeps. The blocked
    /// MailKit call then fails at once, and <see cref="TakeFailure"/> says why.
    /// </summary>
    internal sealed class ConversationWatchdog : IProtocolLogger
    {
        private readonly IProtocolLogger _inner;
        private readonly TimeSpan _timeout;
        private readonly Timer _timer;
        private readonly object _gate = new object();
        private Socket? _socket;
        private long _lastProgress;
        private bool _armed;
        private Exception? _failure;
        private int _lineLength;
        private bool _continuation;
        private int _replyLines;
        private int _code;
        private int _challenges;

        /// <summary>The most 334 challenges one AUTH exchange may take: LOGIN needs two, XOAUTH2 and OAUTHBEARER one (plus one for an error).</summary>
        internal const int MaxSaslChallenges = 8;

        /// <param name="inner">The logger every call is passed on to.</param>
        /// <param name="timeout">How long a step may go without progress.</param>
        public ConversationWatchdog(IProtocolLogger inner, TimeSpan timeout)
        {
            _inner = inner ?? throw new ArgumentNullException(nameof(inner));
            _timeout = timeout;
            var period = TimeSpan.FromMilliseconds(Math.Max(50, Math.Min(1000, timeout.TotalMilliseconds / 8)));
            _timer = new Timer(_ => Check(), null, period, period);
        }

        /// <inheritdoc />
        public IAuthenticationSecretDetector? AuthenticationSecretDetector
        {
            get => _inner.AuthenticationSecretDetector;
            set => _inner.AuthenticationSecretDetector = value;
        }

        /// <summary>Watches a new connection: the socket to close when a step stalls.</summary>
        public void Watch(Socket socket)
        {
            lock (_gate)
            {
                _socket = socket;
                _lineLength = 0;
                _continuation = false;
                _replyLines = 0;
                _challenges = 0;
                Progress();
            }
        }

        /// <summary>Stops watching the connection (it was dropped): until the next <see cref="Watch"/> nothing is closed.</summary>
        public void Forget()
        {
            lock (_gate)
            {
                _socket = null;
            }
        }

        /// <summary>Arms the watchdog until the returned scope is disposed: a step of the conversation is under way.</summary>
        public IDisposable Operation()
        {
            lock (_gate)
            {
                _failure = null;
                _armed = true;
                Progress();
            }

            return new Scope(this);
        }

        /// <summary>Why the watchdog closed the connection during the last operation (a <see cref="TimeoutException"/> or an <see cref="SmtpProtocolException"/>), or null; clears it.</summary>
        /// <remarks>What MailKit threw then (a closed socket) is only the consequence, so it is not kept as the inner exception.</remarks>
        public Exception? TakeFailure()
        {
            lock (_gate)
            {
                var failure = _failure;
                _failure = null;
                return failure;
            }
        }

        /// <inheritdoc />
        public void LogConnect(Uri uri) => _inner.LogConnect(uri);

        /// <inheritdoc />
        public void LogClient(byte[] buffer, int offset, int count)
        {
            Progress();
            _inner.LogClient(buffer, offset, count);
        }

        /// <inheritdoc />
        public void LogServer(byte[] buffer, int offset, int count)
        {
            Scan(buffer, offset, count);
            _inner.LogServer(buffer, offset, count);
        }

        /// <inheritdoc />
        /// <remarks>MailKit disposes its logger with each client; the watchdog outlives reconnects. See <see cref="Close"/>.</remarks>
        public void Dispose()
        {
        }

        /// <summary>Stops the timer at the end of the session.</summary>
        public void Close()
        {
            _timer.Dispose();
            lock (_gate)
            {
                _armed = false;
                _socket = null;
            }
        }

        // A whole reply from the server is progress (its last line, not each continuation line: a server that sends
        // "250-" lines one a second is held to the timeout for the whole reply, as the probes' reader holds it); a line
        // or a reply beyond the reader's limits, or an AUTH exchange that never ends in anything but 334, ends the connection.
        private void Scan(byte[] buffer, int offset, int count)
        {
            for (var i = offset; i < offset + count; i++)
            {
                var b = buffer[i];
                if (b == (byte)'\n')
                {
                    if (!_continuation)
                    {
                        Progress();
                        _challenges = _code == 334 ? _challenges + 1 : 0;
                        if (_challenges > MaxSaslChallenges)
                        {
                            Fire(new SmtpProtocolException($"The server answered {MaxSaslChallenges.ToString(CultureInfo.InvariantCulture)} AUTH steps in a row with 334 and never ended the exchange: no mechanism needs that many."));
                            return;
                        }
                    }

                    _code = 0;
                    _replyLines = _continuation ? _replyLines + 1 : 0;
                    _lineLength = 0;
                    _continuation = false;
                    if (_replyLines >= SmtpReplyReader.MaxLines)
                    {
                        Fire(new SmtpProtocolException($"The server's reply has more than {SmtpReplyReader.MaxLines.ToString(CultureInfo.InvariantCulture)} lines."));
                        return;
                    }

                    continue;
                }

                if (_lineLength < 3)
                {
                    _code = b >= (byte)'0' && b <= (byte)'9' ? (_code * 10) + (b - (byte)'0') : -1000;
                }

                if (_lineLength == 3)
                {
                    _continuation = b == (byte)'-';
                }

                if (++_lineLength > SmtpReplyReader.MaxLineLength)
                {
                    Fire(new SmtpProtocolException($"The server sent a line longer than {SmtpReplyReader.MaxLineLength.ToString(CultureInfo.InvariantCulture)} bytes."));
                    return;
                }
            }
        }

        private void Progress() => Interlocked.Exchange(ref _lastProgress, Stopwatch.GetTimestamp());

        private void Check()
        {
            var idle = TimeSpan.FromSeconds((Stopwatch.GetTimestamp() - Interlocked.Read(ref _lastProgress)) / (double)Stopwatch.Frequency);
            if (idle > _timeout)
            {
                Fire(new TimeoutException(
                    $"The server made no progress for {_timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s (no complete reply line: a tarpit, an overloaded server, or a reply sent byte by byte)."));
            }
        }

        private void Fire(Exception failure)
        {
            Socket? socket;
            lock (_gate)
            {
                if (!_armed || _socket == null || _failure != null)
                {
                    return;
                }

                _failure = failure;
                socket = _socket;
            }

            // Closing the socket ends whatever MailKit is blocked in (a read, a write, a TLS handshake).
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException || e is ObjectDisposedException)
            {
            }

            socket.Dispose();
        }

        private sealed class Scope : IDisposable
        {
            private ConversationWatchdog? _owner;

            public Scope(ConversationWatchdog owner) => _owner = owner;

            public void Dispose()
            {
                var owner = Interlocked.Exchange(ref _owner, null);
                if (owner != null)
                {
                    lock (owner._gate)
                    {
                        owner._armed = false;
                    }
                }
            }
        }
    }
}
