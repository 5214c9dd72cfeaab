using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// The sweep's answering servers as nginx's mail module (`--stand-in nginx`): one event loop per core that greets,
    /// answers EHLO, does STARTTLS or implicit TLS with the test server's certificate, and QUIT, each endpoint a listener on
    /// its own loopback address. It stands for a fleet whose servers do not share the prober's two cores, which the one
    /// Postfix (a process per connection) cannot: at 1,000 endpoints Postfix used 1.5 s of those cores per sweep.
    /// Needs nginx and libnginx-mod-mail (`tests/server/smtp-test-server.sh install-peers`).
    /// </summary>
    internal sealed class NginxStandIn : IDisposable
    {
        public const string MailModule = "/usr/lib/nginx/modules/ngx_mail_module.so";

        // The three kinds, in turn: implicit TLS (as 465), STARTTLS (as 587), plaintext (as an old relay).
        public static readonly int[] Ports = { 2701, 2702, 2703 };

        private readonly Process _nginx;
        private readonly string _directory;

        private NginxStandIn(Process nginx, string directory)
        {
            _nginx = nginx;
            _directory = directory;
        }

        /// <summary>Why it cannot run here, or null.</summary>
        public static string? Unavailable() =>
            ExternalCommand.Find("nginx") == null ? "nginx is not installed" :
            !File.Exists(MailModule) ? $"nginx's mail module ({MailModule}) is not installed" : null;

        /// <summary>Starts nginx listening on each of <paramref name="endpoints"/> and waits until all accept.</summary>
        public static NginxStandIn Start(TestServerInfo server, IReadOnlyList<IPEndPoint> endpoints)
        {
            if (Unavailable() is { } why)
            {
                throw new InvalidOperationException($"--stand-in nginx: {why}; run `sudo bash tests/server/smtp-test-server.sh install-peers`.");
            }

            var directory = Path.Combine(Path.GetTempPath(), "smtptools-bench-nginx");
            Directory.CreateDirectory(directory);
            var chain = Path.Combine(Path.GetDirectoryName(server.CaFile)!, "good-chain.pem"); // key, leaf, intermediate
            var config = new StringBuilder()
                .AppendLine($"load_module {MailModule};")
                .AppendLine($"pid {directory}/nginx.pid;")
                .AppendLine($"error_log {directory}/error.log warn;")
                .AppendLine("daemon off;")
                .AppendLine("worker_processes auto;")
                .AppendLine("worker_rlimit_nofile 65536;")
                .AppendLine("events { worker_connections 16384; }")
                .AppendLine("mail {")
                .AppendLine("  server_name standin.example;")
                .AppendLine("  auth_http 127.0.0.1:9/;") // never asked: the probes do not authenticate or send
                .AppendLine("  smtp_auth none;")
                .AppendLine("  smtp_capabilities \"SIZE 10240000\" \"8BITMIME\" \"PIPELINING\";")
                .AppendLine($"  ssl_certificate {chain};")
                .AppendLine($"  ssl_certificate_key {chain};")
                .AppendLine("  ssl_protocols TLSv1.2 TLSv1.3;");
            foreach (var endpoint in endpoints)
            {
                var listen = endpoint.Address + ":" + endpoint.Port.ToString(CultureInfo.InvariantCulture);
                config.AppendLine(endpoint.Port switch
                {
                    2701 => $"  server {{ listen {listen} ssl; protocol smtp; }}",
                    2702 => $"  server {{ listen {listen}; protocol smtp; starttls on; }}",
                    _ => $"  server {{ listen {listen}; protocol smtp; starttls off; }}",
                });
            }

            config.AppendLine("}");
            var file = Path.Combine(directory, "nginx.conf");
            File.WriteAllText(file, config.ToString());
            var start = new ProcessStartInfo("nginx") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in new[] { "-c", file, "-p", directory })
            {
                start.ArgumentList.Add(argument);
            }

            var nginx = Process.Start(start) ?? throw new InvalidOperationException("nginx did not start.");
            var standIn = new NginxStandIn(nginx, directory);
            try
            {
                var watch = Stopwatch.StartNew();
                foreach (var endpoint in endpoints)
                {
                    while (!Accepts(endpoint))
                    {
                        if (nginx.HasExited || watch.Elapsed > TimeSpan.FromSeconds(20))
                        {
                            throw new InvalidOperationException($"nginx did not listen on {endpoint}: see {directory}/error.log ({(nginx.HasExited ? "exited " + nginx.ExitCode.ToString(CultureInfo.InvariantCulture) : "timed out")}).");
                        }

                        Thread.Sleep(50);
                    }
                }

                return standIn;
            }
            catch
            {
                standIn.Dispose();
                throw;
            }
        }

        private static bool Accepts(IPEndPoint endpoint)
        {
            try
            {
                using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.Connect(endpoint);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            try
            {
                if (!_nginx.HasExited)
                {
                    _nginx.Kill(entireProcessTree: true);
                    _nginx.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            _nginx.Dispose();
            try
            {
                File.Delete(Path.Combine(_directory, "nginx.pid"));
            }
            catch (IOException)
            {
            }
        }
    }
}
