using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Text.Json;

namespace SmtpTools.Benchmarks
{
    /// <summary>The running test server (tests/server/smtp-test-server.sh), as its state file describes it.</summary>
    internal sealed class TestServerInfo
    {
        public const string StartCommand = "bash tests/server/smtp-test-server.sh start";

        private TestServerInfo(JsonElement state)
        {
            Host = state.GetProperty("host").GetString()!;
            CaFile = state.GetProperty("caFile").GetString()!;
            User = state.GetProperty("user").GetString()!;
            Password = state.GetProperty("password").GetString()!;
            Ports = state.GetProperty("ports").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.OrdinalIgnoreCase);
            Ipv6 = !state.TryGetProperty("ipv6", out var v6) || v6.GetBoolean();
        }

        public string Host { get; }

        public string CaFile { get; }

        public string User { get; }

        public string Password { get; }

        public IReadOnlyDictionary<string, int> Ports { get; }

        public bool Ipv6 { get; }

        /// <summary>Submission: STARTTLS required, AUTH after it.</summary>
        public int SubmissionPort => Ports["submission"];

        /// <summary>Relay: opportunistic STARTTLS, TLS 1.0-1.3, no AUTH.</summary>
        public int RelayPort => Ports["relay"];

        /// <summary>
        /// Where benchmark mail goes: a domain the server does not host, which it accepts from authenticated clients and
        /// discards (default_transport = discard), so thousands of messages never fill the Maildirs other tests read.
        /// </summary>
        public string DiscardRecipient => "bench@bench.invalid";

        public static string StateFile =>
            Path.Combine(Environment.GetEnvironmentVariable("SMTPTOOLS_SERVER_DIR") is { Length: > 0 } dir ? dir : "/tmp/smtptools-test-server", "server.json");

        /// <summary>Reads the state file and checks that the submission port listens.</summary>
        /// <exception cref="InvalidOperationException">The server is not running; the message says how to start it.</exception>
        public static TestServerInfo Load()
        {
            if (!File.Exists(StateFile))
            {
                throw new InvalidOperationException($"The test server is not running ({StateFile} is missing): run `{StartCommand}` first.");
            }

            using var document = JsonDocument.Parse(File.ReadAllText(StateFile));
            var server = new TestServerInfo(document.RootElement.Clone());
            if (!server.Listens(server.SubmissionPort))
            {
                throw new InvalidOperationException($"The test server is not listening on 127.0.0.1:{server.SubmissionPort}: run `{StartCommand}` first.");
            }

            return server;
        }

        /// <summary>True when something accepts connections on 127.0.0.1:<paramref name="port"/>.</summary>
        public bool Listens(int port)
        {
            try
            {
                using var client = new TcpClient();
                return client.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromSeconds(2)) && client.Connected;
            }
            catch (AggregateException)
            {
                return false;
            }
        }
    }
}
