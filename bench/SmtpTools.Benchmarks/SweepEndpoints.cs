using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using SmtpTools.Tests.Listeners;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// The sweep's endpoints: the test server's real ports on 127.0.0.1 and ::1, more of them behind forwarders on other
    /// loopback addresses (127.1.x.y; Postfix listens on 127.0.0.1 and ::1 only), and silent listeners (accept, never
    /// speak) on the same kind of addresses. Each endpoint has an address of its own unless the set is spread over a
    /// given number of hosts (then endpoint i is on host i mod hosts, each listener on its own port).
    /// </summary>
    internal sealed class SweepEndpoints : IDisposable
    {
        // Forwarded endpoints' own port numbers (20000 + i), below the ephemeral range the silent listeners bind in.
        private const int FirstForwardedPort = 20000;
        private const int FirstFilteredPort = 40000; // --silent-filtered: each dropped endpoint on a port of its own

        // Each run connects once per endpoint (twice when a probe retries or detection opens a second connection).
        private const int ListenerCapacity = 64;

        // The port CreateWithSilentPort makes silent on every host.
        private const int SilentPort = 2525;

        private readonly List<IDisposable> _listeners = new List<IDisposable>();
        private KernelForwarding? _kernel;
        private KernelForwarding? _blocking;
        private readonly HashSet<string> _silent = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> _dropped = new HashSet<string>(StringComparer.OrdinalIgnoreCase); // silent ones whose connection attempts the kernel drops

        private SweepEndpoints()
        {
        }

        /// <summary>Endpoints with a real SMTP server behind them.</summary>
        public List<PSObject> Answering { get; } = new List<PSObject>();

        /// <summary>Endpoints that accept and never speak.</summary>
        public List<PSObject> Silent { get; } = new List<PSObject>();

        /// <summary>All of them, silent ones spread evenly among the others (as a real host list mixes them).</summary>
        public IReadOnlyList<PSObject> Records { get; private set; } = Array.Empty<PSObject>();

        public string Description { get; private set; } = string.Empty;

        /// <summary>True for the silent listeners' host and port.</summary>
        public bool IsSilent(string host, int port) => _silent.Contains(Key(host, port));

        // "host,port": how the sets of silent and dropped endpoints name one.
        private static string Key(string host, int port) => host + "," + port.ToString(CultureInfo.InvariantCulture);

        // A silent endpoint: in Silent, and known to IsSilent (and to WriteFile as dropped, when its attempts are dropped).
        private void AddSilent(string host, int port, bool dropped)
        {
            Silent.Add(Record(host, port));
            _silent.Add(Key(host, port));
            if (dropped)
            {
                _dropped.Add(Key(host, port));
            }
        }

        /// <summary>
        /// <paramref name="answering"/> + <paramref name="silent"/> endpoints; <paramref name="hosts"/> 0 gives each its own
        /// address (and includes the real ports on 127.0.0.1 and ::1), otherwise they share that many addresses. Forwarded
        /// in the kernel where it can (<see cref="KernelForwarding"/>), unless <paramref name="userForwarders"/>; else by
        /// forwarders in this process.
        /// </summary>
        public static SweepEndpoints Create(TestServerInfo server, int answering, int silent, int hosts = 0, bool userForwarders = false, bool silentFirst = false, bool nginxStandIn = false, bool silentFiltered = false)
        {
            var endpoints = new SweepEndpoints();
            try
            {
                endpoints.Build(server, answering, silent, hosts, userForwarders, silentFirst, nginxStandIn, silentFiltered);
                return endpoints;
            }
            catch
            {
                endpoints.Dispose();
                throw;
            }
        }

        /// <summary>
        /// <paramref name="hosts"/> hosts, each on its own loopback address, probed on the default ports in their order
        /// (25, 465, 587, 2525), port 2525 silent on every host (a network that blocks it outbound: the kernel drops every
        /// connection attempt to it, so it looks filtered; where the kernel cannot, a listener that accepts and never
        /// speaks, which the quiet-port rule does not take for blocked) and the others forwarded to the test server's relay,
        /// implicit-TLS and submission ports.
        /// </summary>
        public static SweepEndpoints CreateWithSilentPort(TestServerInfo server, int hosts, bool userForwarders = false)
        {
            var endpoints = new SweepEndpoints();
            try
            {
                var answeringPorts = new[] { (25, server.Ports["relay"]), (465, server.Ports["submissions"]), (587, server.Ports["submission"]) };
                var routes = new List<(IPEndPoint From, IPEndPoint To)>();
                var blocked = new List<IPEndPoint>();
                var records = new List<PSObject>();
                for (var h = 0; h < hosts; h++)
                {
                    var address = Address(h);
                    foreach (var (port, real) in answeringPorts)
                    {
                        routes.Add((new IPEndPoint(address, port), new IPEndPoint(IPAddress.Loopback, real)));
                    }

                    blocked.Add(new IPEndPoint(address, SilentPort));
                }

                var how = endpoints.Forward(routes, userForwarders, null, blocked);
                foreach (var endpoint in blocked)
                {
                    endpoints.AddSilent(endpoint.Address.ToString(), endpoint.Port, dropped: endpoints._kernel != null);
                }

                var silentHow = "dropped by the kernel: blocked, as by a network";
                if (endpoints._kernel == null)
                {
                    silentHow = "a listener that accepts and never speaks, where the kernel cannot drop: not taken for blocked";
                    foreach (var endpoint in blocked)
                    {
                        endpoints._listeners.Add(ScriptedListener.Start(ScriptedListener.Tarpit, endpoint.Address, endpoint.Port, ListenerCapacity));
                    }
                }

                for (var h = 0; h < hosts; h++)
                {
                    records.AddRange(endpoints.Answering.Skip(h * answeringPorts.Length).Take(answeringPorts.Length));
                    records.Add(endpoints.Silent[h]);
                }

                endpoints.Records = records;
                endpoints.Description = $"{hosts} hosts, each on its own loopback address, on ports 25, 465 and 587 ({how}: the relay, implicit-TLS and submission ports) and 2525 (silent on every host: {silentHow}), in that order per host.";
                return endpoints;
            }
            catch
            {
                endpoints.Dispose();
                throw;
            }
        }

        /// <summary>Writes "host,port,kind" lines (0 answering, 1 silent, 2 silent by dropped connection attempts) for a child process, in sweep order.</summary>
        public void WriteFile(string path) => File.WriteAllLines(path, Records.Select(r =>
        {
            var host = (string)r.Properties["ComputerName"].Value;
            var port = (int)r.Properties["Port"].Value;
            var key = Key(host, port);
            return $"{key},{(_dropped.Contains(key) ? 2 : _silent.Contains(key) ? 1 : 0)}";
        }));

        /// <summary>Reads a file <see cref="WriteFile"/> wrote: pipeline records, which are silent, and which of those drop connection attempts.</summary>
        public static List<(PSObject Record, bool Silent, bool Dropped)> ReadFile(string path) => File.ReadLines(path)
            .Select(line => line.Split(','))
            .Select(parts => (Record(parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture)), parts[2] != "0", parts[2] == "2"))
            .ToList();

        public void Dispose()
        {
            _kernel?.Dispose();
            _blocking?.Dispose();
            foreach (var listener in _listeners)
            {
                listener.Dispose();
            }
        }

        // 127.1.0.2 and up: 250 addresses per third byte, never .0, .1 or .255.
        private static IPAddress Address(int index) =>
            IPAddress.Parse($"127.{1 + index / 62500}.{index / 250 % 250}.{2 + index % 250}");

        private void Build(TestServerInfo server, int answering, int silent, int hosts, bool userForwarders, bool silentFirst, bool nginxStandIn, bool silentFiltered)
        {
            var realPorts = server.Ports.Values.Where(server.Listens).OrderBy(p => p).ToList();
            var direct = new List<(string Host, int Port)>();
            var index = 0;
            IPAddress Next() => Address(hosts == 0 ? index++ : index++ % hosts);
            string how;
            if (nginxStandIn)
            {
                // nginx listens on each answering endpoint's own address itself: no forwarding.
                var own = Enumerable.Range(0, answering).Select(i => new IPEndPoint(Next(), NginxStandIn.Ports[i % NginxStandIn.Ports.Length])).ToList();
                _listeners.Add(NginxStandIn.Start(server, own));
                Answering.AddRange(own.Select(e => Record(e.Address.ToString(), e.Port)));
                how = "served by nginx's mail module (--stand-in nginx: implicit TLS, STARTTLS and plaintext in turn)";
            }
            else
            {
                how = BuildForwarded(server, answering, hosts, userForwarders, realPorts, direct, Next);
            }

            AddSilentAndOrder(silent, silentFirst, silentFiltered, Next);
            var where = (hosts == 0 ? "each on its own loopback address" : $"on {hosts} loopback address(es), one port each") + (silentFirst ? ", the silent ones first (--silent-first)" : string.Empty);
            var forwarded = answering - Math.Min(direct.Count, answering);
            var silentKind = silentFiltered ? "silent endpoints that drop every connection attempt (the kernel; --silent-filtered)" : "silent listeners";
            Description = nginxStandIn
                ? $"{Answering.Count} answering endpoints {how} and {Silent.Count} {silentKind}, {(silentFirst ? "not interleaved" : "interleaved")}, {where}."
                : $"{Answering.Count} answering endpoints ({Math.Min(direct.Count, answering)} real test-server ports, {forwarded} {how}) and {Silent.Count} {silentKind}, {(silentFirst ? "not interleaved" : "interleaved")}, {where}.";
        }

        // The test server's real ports, then endpoints forwarded to them; returns how they are forwarded.
        private string BuildForwarded(TestServerInfo server, int answering, int hosts, bool userForwarders, List<int> realPorts, List<(string Host, int Port)> direct, Func<IPAddress> next)
        {
            if (hosts == 0)
            {
                direct.AddRange(realPorts.Select(p => ("127.0.0.1", p)));
                if (server.Ipv6)
                {
                    direct.AddRange(realPorts.Select(p => ("::1", p)));
                }
            }

            foreach (var (host, port) in direct.Take(answering))
            {
                Answering.Add(Record(host, port));
            }

            var forwarded = answering - Answering.Count;
            var fitsBelowEphemeral = FirstForwardedPort + forwarded <= 32768;
            var routes = Enumerable.Range(0, forwarded)
                .Select(i => (From: new IPEndPoint(next(), fitsBelowEphemeral ? FirstForwardedPort + i : 0), To: new IPEndPoint(IPAddress.Loopback, realPorts[i % realPorts.Count])))
                .ToList();
            return Forward(routes, userForwarders, fitsBelowEphemeral ? null : $"more than {32768 - FirstForwardedPort} do not fit the kernel forwarding's port range");
        }

        // Silent listeners on the next addresses (or, filtered, endpoints whose connection attempts the kernel drops), and
        // the order of all endpoints.
        private void AddSilentAndOrder(int silent, bool silentFirst, bool filtered, Func<IPAddress> next)
        {
            if (filtered)
            {
                // Each on a port of its own, as the silent listeners are (a port shared by all would be the quiet-port rule's case).
                var dropped = Enumerable.Range(0, silent).Select(i => new IPEndPoint(next(), FirstFilteredPort + i)).ToList();
                _blocking = KernelForwarding.TryCreate(Array.Empty<(IPEndPoint, IPEndPoint)>(), dropped, out var why)
                    ?? throw new InvalidOperationException("--silent-filtered needs the kernel to drop connections: " + why);
                foreach (var endpoint in dropped)
                {
                    AddSilent(endpoint.Address.ToString(), endpoint.Port, dropped: true);
                }
            }
            else
            {
                for (var i = 0; i < silent; i++)
                {
                    var listener = ScriptedListener.Start(ScriptedListener.Tarpit, next(), maxConnections: ListenerCapacity);
                    _listeners.Add(listener);
                    AddSilent(listener.EndPoint.Address.ToString(), listener.Port, dropped: false);
                }
            }

            // Every fourth endpoint silent, as in a host list where a quarter is firewalled (or, as a diagnostic of the
            // sweep's schedule, every silent one first: the best order a sweep that knew them could choose).
            var records = silentFirst ? new List<PSObject>(Silent) : new List<PSObject>();
            var every = Math.Max(1, (Answering.Count + silent) / Math.Max(1, silent));
            int a = 0, s = silentFirst ? Silent.Count : 0;
            while (a < Answering.Count || s < Silent.Count)
            {
                if (s < Silent.Count && (records.Count % every == every - 1 || a >= Answering.Count))
                {
                    records.Add(Silent[s++]);
                }
                else
                {
                    records.Add(Answering[a++]);
                }
            }

            Records = records;
        }

        // Makes each route's endpoint answer (in the kernel where it can, unless userForwarders or kernelUnfit says why
        // not) and adds it to Answering; returns how, for the description.
        private string Forward(List<(IPEndPoint From, IPEndPoint To)> routes, bool userForwarders, string? kernelUnfit, IReadOnlyList<IPEndPoint>? dropped = null)
        {
            var how = "forwarded to them by the kernel (nftables DNAT)";
            if (userForwarders)
            {
                how = "forwarded to them by this process (--user-forwarders)";
            }
            else if (kernelUnfit != null)
            {
                how = $"forwarded to them by this process ({kernelUnfit})";
            }
            else if (routes.Count > 0)
            {
                _kernel = KernelForwarding.TryCreate(routes, dropped ?? Array.Empty<IPEndPoint>(), out var why);
                if (_kernel == null)
                {
                    how = $"forwarded to them by this process: {why}";
                }
            }

            foreach (var (from, to) in routes)
            {
                if (_kernel != null)
                {
                    Answering.Add(Record(from.Address.ToString(), from.Port));
                    continue;
                }

                var forwarder = ScriptedListener.Start(ScriptedListener.ForwardTo(to), from.Address, from.Port, ListenerCapacity);
                _listeners.Add(forwarder);
                Answering.Add(Record(forwarder.EndPoint.Address.ToString(), forwarder.Port));
            }

            return how;
        }

        private static PSObject Record(string host, int port) => ModuleRunspace.Record(new Dictionary<string, object?>
        {
            ["ComputerName"] = host,
            ["Port"] = port,
        });
    }
}
