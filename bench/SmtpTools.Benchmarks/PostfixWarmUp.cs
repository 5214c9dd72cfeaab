using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Makes the test server's Postfix start its smtpd processes before a sweep is timed. Postfix forks one smtpd per
    /// connection it serves at once and keeps it idle for 100 s (max_idle) afterwards; a sweep that finds none has
    /// Postfix fork hundreds of them on the same two cores during its first seconds, and its first wave of answering
    /// endpoints then really does not greet within -TimeoutSec 2 (measured: 185 of 750 reported silent in the first
    /// repetition after Postfix had been idle two minutes, 0 in the next; a loopback greeting took 0.1-1.1 s). A fleet of
    /// real servers has its processes running, so the sweep is timed against warm stand-ins, and how many smtpd processes
    /// were running is printed with the figure.
    /// </summary>
    internal static class PostfixWarmUp
    {
        /// <summary>Connections held open at once on each port: 640 smtpd processes for the test server's ten ports, enough that a sweep's first waves find them running (Postfix forks more as they are needed).</summary>
        public const int ConnectionsPerPort = 64;

        /// <summary>How long to let the smtpd processes log the closed warm-up connections before timing anything.</summary>
        public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

        private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

        /// <summary>
        /// Holds <see cref="ConnectionsPerPort"/> connections open on each of the server's ports on 127.0.0.1 (more on the
        /// ports <paramref name="more"/> names) until Postfix runs an smtpd process for each of them (or 15 s pass), then
        /// closes them without a word. Returns how many smtpd processes were running then (0 where they cannot be counted:
        /// then it does not wait), and how long it took.
        /// </summary>
        public static (int Processes, TimeSpan Took) Run(TestServerInfo server, IReadOnlyDictionary<int, int>? more = null)
        {
            var watch = Stopwatch.StartNew();
            var ports = server.Ports.Values.Where(server.Listens).Distinct().ToList();
            int On(int port) => more != null && more.TryGetValue(port, out var count) ? Math.Max(count, ConnectionsPerPort) : ConnectionsPerPort;
            var wanted = ports.Sum(On);
            var sockets = new List<Socket>(wanted);
            try
            {
                foreach (var port in ports)
                {
                    for (var i = 0; i < On(port); i++)
                    {
                        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                        sockets.Add(socket);
                        var left = Limit - watch.Elapsed;
                        bool connected;
                        try
                        {
                            connected = left > TimeSpan.Zero && socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).Wait(left);
                        }
                        catch (AggregateException e) when (e.InnerException is SocketException)
                        {
                            break; // the port stopped listening: the sweep will say so
                        }

                        if (!connected)
                        {
                            return (CpuAccount.PostfixSmtpdProcesses() ?? 0, watch.Elapsed); // Postfix's queue is full: as warm as it gets
                        }
                    }
                }

                // Where the processes cannot be counted, the connections alone warmed what they could: no waiting.
                var running = CpuAccount.PostfixSmtpdProcesses();
                while (running < wanted && watch.Elapsed < Limit)
                {
                    Thread.Sleep(100);
                    running = CpuAccount.PostfixSmtpdProcesses();
                }

                return (running ?? 0, watch.Elapsed);
            }
            finally
            {
                foreach (var socket in sockets)
                {
                    socket.Dispose();
                }
            }
        }
    }
}
