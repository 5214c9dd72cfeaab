using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Net;
using SmtpTools.Tests.Listeners;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// The sweep's endpoints: the test server's real ports on 127.0.0.1 and ::1, more of them behind forwarders on
    /// 127.0.0.2 and up (Postfix listens on 127.0.0.1 and ::1 only), and silent listeners on 127.0.1.x.
    /// </summary>
    internal sealed class SweepEndpoints : IDisposable
    {
        // Every repetition of every figure connects again: room for all of them.
        private const int ListenerCapacity = 4096;

        private readonly List<IDisposable> _listeners = new List<IDisposable>();

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
        public bool IsSilent(string host, int port) =>
            Silent.Any(r => Equals(r.Properties["ComputerName"].Value, host) && Equals(r.Properties["Port"].Value, port));

        public static SweepEndpoints Create(TestServerInfo server, int answering, int silent)
        {
            var endpoints = new SweepEndpoints();
            try
            {
                endpoints.Build(server, answering, silent);
                return endpoints;
            }
            catch
            {
                endpoints.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            foreach (var listener in _listeners)
            {
                listener.Dispose();
            }
        }

        private void Build(TestServerInfo server, int answering, int silent)
        {
            var realPorts = server.Ports.Values.Where(server.Listens).OrderBy(p => p).ToList();
            var direct = realPorts.Select(p => ("127.0.0.1", p)).ToList();
            if (server.Ipv6)
            {
                direct.AddRange(realPorts.Select(p => ("::1", p)));
            }

            foreach (var (host, port) in direct.Take(answering))
            {
                Answering.Add(Record(host, port));
            }

            var forwarded = answering - Answering.Count;
            for (var i = 0; i < forwarded; i++)
            {
                var target = new IPEndPoint(IPAddress.Loopback, realPorts[i % realPorts.Count]);
                var forwarder = ScriptedListener.Start(ScriptedListener.ForwardTo(target), IPAddress.Parse($"127.0.0.{2 + i}"), maxConnections: ListenerCapacity);
                _listeners.Add(forwarder);
                Answering.Add(Record(forwarder.EndPoint.Address.ToString(), forwarder.Port));
            }

            for (var i = 0; i < silent; i++)
            {
                var listener = ScriptedListener.Start(ScriptedListener.Tarpit, IPAddress.Parse($"127.0.1.{1 + i}"), maxConnections: ListenerCapacity);
                _listeners.Add(listener);
                Silent.Add(Record(listener.EndPoint.Address.ToString(), listener.Port));
            }

            // Every fourth endpoint silent, as in a host list where a quarter is firewalled.
            var records = new List<PSObject>();
            var every = Math.Max(1, (answering + silent) / Math.Max(1, silent));
            int a = 0, s = 0;
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
            Description = $"{Answering.Count} answering endpoints ({Math.Min(direct.Count, answering)} real test-server ports on 127.0.0.1{(server.Ipv6 ? " and ::1" : string.Empty)}, {forwarded} forwarded to them from 127.0.0.2 and up) and {Silent.Count} silent listeners on 127.0.1.x, interleaved; all on loopback.";
        }

        private static PSObject Record(string host, int port) => ModuleRunspace.Record(new Dictionary<string, object?>
        {
            ["ComputerName"] = host,
            ["Port"] = port,
        });
    }
}
