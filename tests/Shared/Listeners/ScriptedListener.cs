using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>
    /// A loopback TCP server that runs a script on every connection it accepts: the fault servers tests need (a tarpit
    /// that never speaks, an SSH or HTTP banner, a forwarder in front of the real server on another port number).
    /// Bounded: it accepts at most <c>maxConnections</c>, every script gets a token that fires on <see cref="Dispose"/>,
    /// and Dispose closes the listener and every connection, then waits (at most a few seconds) for the scripts to end.
    /// </summary>
    public sealed class ScriptedListener : IDisposable
    {
        private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(5);

        private readonly Socket _listener;
        private readonly Func<ScriptedConnection, Task> _script;
        private readonly int _maxConnections;
        private readonly CancellationTokenSource _closing = new CancellationTokenSource();
        private readonly List<ScriptedConnection> _connections = new List<ScriptedConnection>();
        private readonly List<Task> _scripts = new List<Task>();
        private readonly Task _acceptLoop;
        private int _accepted;

        private ScriptedListener(Socket listener, Func<ScriptedConnection, Task> script, int maxConnections)
        {
            _listener = listener;
            _script = script;
            _maxConnections = maxConnections;
            _acceptLoop = Task.Run(AcceptLoopAsync);
        }

        /// <summary>Where it listens.</summary>
        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

        /// <summary>The port it listens on.</summary>
        public int Port => EndPoint.Port;

        /// <summary>How many connections it has accepted so far.</summary>
        public int AcceptedCount => Volatile.Read(ref _accepted);

        /// <summary>Every byte the clients sent before TLS (read through the connections), in order of acceptance.</summary>
        public byte[] ReceivedInClear
        {
            get
            {
                lock (_connections)
                {
                    return _connections.SelectMany(c => c.ReceivedInClear).ToArray();
                }
            }
        }

        /// <summary>
        /// How many connections began, on the client's side, with a TLS handshake record in clear (0x16 0x03): a client
        /// that found the port silent trying implicit TLS on a second connection, as the detection does when a greeting
        /// is late.
        /// </summary>
        public int ConnectionsOpenedWithTlsHandshake
        {
            get
            {
                lock (_connections)
                {
                    return _connections.Count(c => c.ReceivedInClear is { Length: >= 2 } bytes && bytes[0] == 0x16 && bytes[1] == 0x03);
                }
            }
        }

        /// <summary><see cref="ReceivedInClear"/> as Latin-1 text (one char per byte), for searching.</summary>
        public string ReceivedInClearText => Encoding.Latin1.GetString(ReceivedInClear);

        /// <summary>Listens on <paramref name="address"/> (127.0.0.1 by default) and <paramref name="port"/> (0: any free port) and runs <paramref name="script"/> for each connection.</summary>
        public static ScriptedListener Start(Func<ScriptedConnection, Task> script, IPAddress? address = null, int port = 0, int maxConnections = 64)
        {
            address ??= IPAddress.Loopback;
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(address, port));
                socket.Listen(maxConnections);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            return new ScriptedListener(socket, script, maxConnections);
        }

        /// <summary>Accepts and never says a word, like an implicit-TLS port a plaintext client waits on, or a tarpit.</summary>
        public static Task Tarpit(ScriptedConnection connection) => connection.WaitUntilClosedAsync();

        /// <summary>Speaks first with <paramref name="text"/> (an SSH banner, garbage), then waits for the client to go.</summary>
        public static Func<ScriptedConnection, Task> Banner(string text) => async connection =>
        {
            await connection.SendAsync(text);
            await connection.WaitUntilClosedAsync();
        };

        /// <summary>Stays silent until a whole line arrives, answers <paramref name="answer"/> and hangs up, like an HTTP server.</summary>
        public static Func<ScriptedConnection, Task> AnswerFirstLine(string answer) => async connection =>
        {
            if (await connection.ReadLineAsync() != null)
            {
                await connection.SendAsync(answer);
            }
        };

        /// <summary>
        /// Plaintext SMTP that greets only after <paramref name="delay"/> (a greet pause against spammers, or load),
        /// whatever the client sent meanwhile, then answers EHLO (no STARTTLS) and QUIT, and 500 to anything else.
        /// </summary>
        public static Func<ScriptedConnection, Task> LateGreeter(TimeSpan delay) => async connection =>
        {
            await Task.Delay(delay, connection.Closing);
            await connection.SendAsync("220 late.example ESMTP greet pause\r\n");
            while (await connection.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("EHLO ", StringComparison.OrdinalIgnoreCase))
                {
                    await connection.SendAsync("250-late.example\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n");
                }
                else if (line.Equals("QUIT", StringComparison.OrdinalIgnoreCase))
                {
                    await connection.SendAsync("221 2.0.0 Bye\r\n");
                    return;
                }
                else
                {
                    await connection.SendAsync("500 5.5.1 Command unrecognized\r\n");
                }
            }
        };

        /// <summary>Relays bytes both ways to <paramref name="upstream"/>: the real server behind another port number.</summary>
        public static Func<ScriptedConnection, Task> ForwardTo(IPEndPoint upstream) => async connection =>
        {
            using var server = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(upstream, connection.Closing);
            using var serverStream = new NetworkStream(server, ownsSocket: false);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(connection.Closing);
            var up = connection.Stream.CopyToAsync(serverStream, done.Token);
            var down = serverStream.CopyToAsync(connection.Stream, done.Token);
            await Task.WhenAny(up, down);
            done.Cancel(); // either side hung up: end the other direction too
            await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
        };

        /// <summary>Stops listening, closes every connection and waits (bounded) for the scripts to end.</summary>
        public void Dispose()
        {
            if (_closing.IsCancellationRequested)
            {
                return;
            }

            _closing.Cancel();
            _listener.Dispose();
            Task[] scripts;
            lock (_connections)
            {
                foreach (var connection in _connections)
                {
                    connection.Close();
                }

                scripts = _scripts.Append(_acceptLoop).ToArray();
            }

            Task.WhenAll(scripts).ContinueWith(_ => { }, TaskScheduler.Default).Wait(DisposeWait);
            _closing.Dispose();
        }

        private async Task AcceptLoopAsync()
        {
            while (!_closing.IsCancellationRequested && AcceptedCount < _maxConnections)
            {
                Socket client;
                try
                {
                    client = await _listener.AcceptAsync(_closing.Token);
                }
                catch (Exception e) when (e is OperationCanceledException || e is ObjectDisposedException || e is SocketException)
                {
                    return;
                }

                Interlocked.Increment(ref _accepted);
                var connection = new ScriptedConnection(client, _closing.Token);
                lock (_connections)
                {
                    _connections.Add(connection);
                    _scripts.Add(RunScriptAsync(connection));
                }
            }
        }

        private async Task RunScriptAsync(ScriptedConnection connection)
        {
            try
            {
                await Task.Yield();
                await _script(connection);
            }
            catch (Exception e) when (e is OperationCanceledException || e is ObjectDisposedException || e is SocketException || e is System.IO.IOException || e is System.Security.Authentication.AuthenticationException)
            {
                // The client or Dispose ended the conversation, or refused our TLS: that is how scripts end.
            }
            finally
            {
                connection.Close();
            }
        }
    }
}
