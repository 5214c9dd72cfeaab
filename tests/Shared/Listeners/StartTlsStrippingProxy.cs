using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>
    /// The classic downgrade attack, on loopback: a relay in front of a real SMTP server that removes STARTTLS from every
    /// EHLO reply and passes everything else through unchanged, so a client that does not insist on TLS talks in clear
    /// (and may authenticate in clear where the server would have refused it). It keeps every byte the client sent,
    /// which is what a man in the middle would read: <see cref="ClientBytes"/>.
    /// </summary>
    public sealed class StartTlsStrippingProxy : IDisposable
    {
        private readonly ScriptedListener _listener;
        private readonly IPEndPoint _upstream;
        private readonly MemoryStream _clientBytes = new MemoryStream();
        private int _stripped;

        /// <summary>Listens on 127.0.0.1 (any free port) and relays to <paramref name="upstream"/>.</summary>
        public StartTlsStrippingProxy(IPEndPoint upstream)
        {
            _upstream = upstream;
            _listener = ScriptedListener.Start(RelayAsync);
        }

        /// <summary>The port.</summary>
        public int Port => _listener.Port;

        /// <summary>Connections accepted so far.</summary>
        public int Connections => _listener.AcceptedCount;

        /// <summary>How many STARTTLS lines were removed from EHLO replies.</summary>
        public int StrippedCount => Volatile.Read(ref _stripped);

        /// <summary>Every byte every client sent through the proxy, in order.</summary>
        public byte[] ClientBytes
        {
            get
            {
                lock (_clientBytes)
                {
                    return _clientBytes.ToArray();
                }
            }
        }

        /// <summary>The client's bytes as Latin-1 text (one char per byte), for searching.</summary>
        public string ClientText => Encoding.Latin1.GetString(ClientBytes);

        /// <summary>Stops listening and closes every connection (bounded).</summary>
        public void Dispose() => _listener.Dispose();

        private async Task RelayAsync(ScriptedConnection client)
        {
            using var server = new Socket(_upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(_upstream, client.Closing);
            using var serverStream = new NetworkStream(server, ownsSocket: false);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(client.Closing);
            var up = RelayClientAsync(client, serverStream, done.Token);
            var down = RelayServerAsync(serverStream, client, done.Token);
            await Task.WhenAny(up, down);
            done.Cancel(); // either side hung up: end the other direction too
            await Task.WhenAll(up, down).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        private async Task RelayClientAsync(ScriptedConnection client, Stream server, CancellationToken cancellationToken)
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await client.Stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                lock (_clientBytes)
                {
                    _clientBytes.Write(buffer, 0, read);
                }

                await server.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }

        // Line by line: each reply is held until its last line, and a 250 reply loses its STARTTLS line (the separator of
        // the new last line becomes a space). A client that sends STARTTLS anyway gets the server's answer and its TLS,
        // relayed as raw bytes from then on.
        private async Task RelayServerAsync(Stream server, ScriptedConnection client, CancellationToken cancellationToken)
        {
            var reply = new List<string>();
            while (true)
            {
                var line = await ReadLineAsync(server, cancellationToken);
                if (line == null)
                {
                    return;
                }

                reply.Add(line);
                if (line.Length >= 4 && line[3] == '-')
                {
                    continue;
                }

                var kept = reply.Where(l => !IsStartTls(l)).ToList();
                Interlocked.Add(ref _stripped, reply.Count - kept.Count);
                if (kept.Count > 0 && kept.Count < reply.Count)
                {
                    var last = kept[^1];
                    kept[^1] = last.Length >= 4 ? last.Substring(0, 3) + " " + last.Substring(4) : last;
                }

                var bytes = Encoding.Latin1.GetBytes(string.Concat(kept.Select(l => l + "\r\n")));
                await client.Stream.WriteAsync(bytes, cancellationToken);
                var startsTls = line.StartsWith("220 ", StringComparison.Ordinal) && reply.Count == 1 && LastClientCommandWasStartTls();
                reply.Clear();
                if (startsTls)
                {
                    await server.CopyToAsync(client.Stream, cancellationToken);
                    return;
                }
            }
        }

        private static bool IsStartTls(string line) =>
            line.Length >= 4 && line.StartsWith("250", StringComparison.Ordinal) && line.Substring(4).Trim().Equals("STARTTLS", StringComparison.OrdinalIgnoreCase);

        private bool LastClientCommandWasStartTls()
        {
            var text = ClientText.TrimEnd('\r', '\n');
            var start = text.LastIndexOf('\n') + 1;
            return text.Substring(start).Trim().Equals("STARTTLS", StringComparison.OrdinalIgnoreCase);
        }

        // Byte by byte (so nothing meant for a later TLS relay is buffered here); Latin-1 keeps every byte as it was.
        private static async Task<string?> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
        {
            var line = new StringBuilder();
            var one = new byte[1];
            while (true)
            {
                if (await stream.ReadAsync(one, cancellationToken) == 0)
                {
                    return line.Length == 0 ? null : line.ToString();
                }

                if (one[0] == (byte)'\n')
                {
                    return line.ToString().TrimEnd('\r');
                }

                line.Append((char)one[0]);
            }
        }
    }
}
