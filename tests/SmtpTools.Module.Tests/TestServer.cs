using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// The real Postfix + Dovecot instance from tests/server/smtp-test-server.sh, started once per test process if it
    /// is not already running, and described by the state file the script writes.
    /// </summary>
    public sealed class TestServer
    {
        private static readonly Lazy<TestServer> Shared = new Lazy<TestServer>(StartOrAttach, LazyThreadSafetyMode.ExecutionAndPublication);

        private TestServer(JsonElement state)
        {
            Host = state.GetProperty("host").GetString()!;
            StateDirectory = state.GetProperty("stateDir").GetString()!;
            CaFile = state.GetProperty("caFile").GetString()!;
            Maildir = state.GetProperty("maildir").GetString()!;
            LogFile = state.GetProperty("log").GetString()!;
            Domain = state.GetProperty("domain").GetString()!;
            User = state.GetProperty("user").GetString()!;
            Password = state.GetProperty("password").GetString()!;
            OtherUser = state.GetProperty("otherUser").GetString()!;
            Ports = state.GetProperty("ports").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.OrdinalIgnoreCase);
            Ipv6 = !state.TryGetProperty("ipv6", out var v6) || v6.GetBoolean();
            var idp = state.GetProperty("identityProvider");
            TokenSigningKeyFile = idp.GetProperty("signingKeyFile").GetString()!;
            TokenKeyId = idp.GetProperty("keyId").GetString()!;
            TlsCertificateFile = idp.GetProperty("tlsCertificateFile").GetString()!;
            TlsKeyFile = idp.GetProperty("tlsKeyFile").GetString()!;
            TlsIntermediateFile = idp.GetProperty("tlsIntermediateFile").GetString()!;
        }

        public static TestServer Instance => Shared.Value;

        public static string Script => Path.Combine(Repo.Root, "tests", "server", "smtp-test-server.sh");

        public static string DefaultStateDirectory =>
            Environment.GetEnvironmentVariable("SMTPTOOLS_SERVER_DIR") is { Length: > 0 } dir ? dir : "/tmp/smtptools-test-server";

        public string Host { get; }

        public string StateDirectory { get; }

        public string CaFile { get; }

        public string Maildir { get; }

        public string LogFile { get; }

        public string Domain { get; }

        public string User { get; }

        public string Password { get; }

        public string OtherUser { get; }

        public bool Ipv6 { get; }

        /// <summary>The key the identity provider signs access tokens with; Dovecot trusts its public half under <see cref="TokenKeyId"/>.</summary>
        public string TokenSigningKeyFile { get; }

        public string TokenKeyId { get; }

        /// <summary>The server's localhost certificate, key and intermediate: the identity provider serves HTTPS with them.</summary>
        public string TlsCertificateFile { get; }

        public string TlsKeyFile { get; }

        public string TlsIntermediateFile { get; }

        public IReadOnlyDictionary<string, int> Ports { get; }

        public int Relay => Ports["relay"];

        public int Submission => Ports["submission"];

        public int Submissions => Ports["submissions"];

        public int Plain => Ports["plain"];

        /// <summary>The directory new mail for a mailbox lands in.</summary>
        public string InboxOf(string address)
        {
            var at = address.IndexOf('@');
            return Path.Combine(Maildir, address[(at + 1)..], address[..at], "new");
        }

        /// <summary>Waits (bounded) for a delivered message whose text contains <paramref name="marker"/> and returns its content.</summary>
        public string? WaitForMessage(string address, string marker, TimeSpan? timeout = null)
        {
            var file = WaitForMessageFile(address, marker, timeout);
            return file == null ? null : File.ReadAllText(file);
        }

        /// <summary>Waits (bounded) for a delivered message whose text contains <paramref name="marker"/> and returns its path.</summary>
        public string? WaitForMessageFile(string address, string marker, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
            var inbox = InboxOf(address);
            do
            {
                if (Directory.Exists(inbox))
                {
                    foreach (var file in Directory.EnumerateFiles(inbox))
                    {
                        try
                        {
                            if (Contains(file, marker))
                            {
                                return file;
                            }
                        }
                        catch (IOException)
                        {
                        }
                    }
                }

                Thread.Sleep(50);
            }
            while (DateTime.UtcNow < deadline);
            return null;
        }

        // Whole text for ordinary messages; for huge ones (tens of MB of attachment) only the head, where the
        // headers and the marker are, so polling does not read them whole again and again.
        private static bool Contains(string file, string marker)
        {
            using var stream = File.OpenRead(file);
            var buffer = new byte[stream.Length < 4 * 1024 * 1024 ? stream.Length : 256 * 1024];
            var read = stream.Read(buffer, 0, buffer.Length);
            return System.Text.Encoding.UTF8.GetString(buffer, 0, read).Contains(marker, StringComparison.Ordinal);
        }

        private static TestServer StartOrAttach()
        {
            var start = ChildProcess.Run("bash", new[] { Script, "start" }, TimeSpan.FromSeconds(120));
            if (start.ExitCode != 0)
            {
                throw new InvalidOperationException($"The test server failed to start (exit {start.ExitCode}):\n{start.Output}\n{start.Errors}");
            }

            var stateFile = Path.Combine(DefaultStateDirectory, "server.json");
            using var json = JsonDocument.Parse(File.ReadAllText(stateFile));
            return new TestServer(json.RootElement.Clone());
        }
    }
}
