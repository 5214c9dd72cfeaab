using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Forwards loopback endpoints to the test server in the kernel: an nftables table of our own whose NAT output chain
    /// rewrites connections to each 127.x address and port to a real port on 127.0.0.1 (Linux, root, the nftables
    /// package); it can also drop connection attempts to other such endpoints, as a network that blocks a port outbound
    /// does (no answer to the SYN: the port looks filtered). The sweep's stand-ins for remote servers then cost no CPU in the benchmark process: forwarders there took
    /// 1.3-1.7 s of the two cores per 1,000-endpoint sweep, time a sweep of real hosts does not pay. The table is
    /// deleted on <see cref="Dispose"/>, and a table left by a benchmark that died is deleted the next time.
    /// </summary>
    internal sealed class KernelForwarding : IDisposable
    {
        private const string TablePrefix = "smtptools_bench_";
        private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
        private static int _created;
        private readonly string _nft;
        private readonly string _table;
        private bool _disposed;

        private KernelForwarding(string nft, string table)
        {
            _nft = nft;
            _table = table;
        }

        /// <summary>
        /// Installs <paramref name="routes"/> and drops every TCP connection attempt to <paramref name="dropped"/> (IPv4
        /// loopback only); null, with <paramref name="why"/> saying why, where the kernel cannot do it here (the caller
        /// then forwards in this process, and has no dropped endpoints).
        /// </summary>
        public static KernelForwarding? TryCreate(IReadOnlyList<(IPEndPoint From, IPEndPoint To)> routes, IReadOnlyList<IPEndPoint> dropped, out string why)
        {
            var nft = ExternalCommand.Find("nft");
            if (!OperatingSystem.IsLinux() || nft == null || Environment.UserName != "root")
            {
                why = "no nftables here (Linux, root and the nftables package: apt-get install nftables)";
                return null;
            }

            if (routes.Any(r => !IsIPv4Loopback(r.From) || !IsIPv4Loopback(r.To)))
            {
                throw new ArgumentException("Only IPv4 loopback endpoints are forwarded.", nameof(routes));
            }

            if (dropped.Any(d => !IsIPv4Loopback(d)))
            {
                throw new ArgumentException("Only IPv4 loopback endpoints are dropped.", nameof(dropped));
            }

            DeleteStaleTables(nft);
            var table = TablePrefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "_" + System.Threading.Interlocked.Increment(ref _created).ToString(CultureInfo.InvariantCulture);
            var script = new StringBuilder();
            script.Append("table ip ").Append(table).AppendLine(" {");
            script.AppendLine("  map forwarded {");
            script.AppendLine("    type ipv4_addr . inet_service : ipv4_addr . inet_service");
            if (routes.Count > 0)
            {
                script.Append("    elements = { ");
                script.AppendJoin(", ", routes.Select(r => $"{r.From.Address} . {r.From.Port} : {r.To.Address} . {r.To.Port}"));
                script.AppendLine(" }");
            }

            script.AppendLine("  }");
            script.AppendLine("  chain output {");
            script.AppendLine("    type nat hook output priority -100; policy accept;");
            script.AppendLine("    meta l4proto tcp dnat ip to ip daddr . tcp dport map @forwarded");
            script.AppendLine("  }");
            if (dropped.Count > 0)
            {
                script.AppendLine("  set dropped {");
                script.AppendLine("    type ipv4_addr . inet_service");
                script.Append("    elements = { ").AppendJoin(", ", dropped.Select(d => $"{d.Address} . {d.Port}")).AppendLine(" }");
                script.AppendLine("  }");
                script.AppendLine("  chain blocked {");
                script.AppendLine("    type filter hook output priority 0; policy accept;");
                script.AppendLine("    ip daddr . tcp dport @dropped drop");
                script.AppendLine("  }");
            }
            script.AppendLine("}");
            var file = Path.Combine(Path.GetTempPath(), table + ".nft");
            File.WriteAllText(file, script.ToString());
            try
            {
                var result = ExternalCommand.Run(nft, new[] { "-f", file }, CommandTimeout);
                if (result.ExitCode != 0 || result.TimedOut)
                {
                    why = "nft refused the forwarding table: " + result.Describe("nft -f").Trim();
                    return null;
                }
            }
            finally
            {
                File.Delete(file);
            }

            why = string.Empty;
            return new KernelForwarding(nft, table);
        }

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            ExternalCommand.Run(_nft, new[] { "delete", "table", "ip", _table }, CommandTimeout);
        }

        private static bool IsIPv4Loopback(IPEndPoint endpoint) => endpoint.AddressFamily == AddressFamily.InterNetwork && IPAddress.IsLoopback(endpoint.Address);

        // Tables of benchmark processes that are gone (killed before Dispose).
        private static void DeleteStaleTables(string nft)
        {
            var listed = ExternalCommand.Run(nft, new[] { "list", "tables", "ip" }, CommandTimeout);
            foreach (Match match in Regex.Matches(listed.StandardOutput, "table ip (" + TablePrefix + @"(\d+)_\d+)\b"))
            {
                var pid = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
                if (pid != Environment.ProcessId && !Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture)))
                {
                    ExternalCommand.Run(nft, new[] { "delete", "table", "ip", match.Groups[1].Value }, CommandTimeout);
                }
            }
        }
    }
}
