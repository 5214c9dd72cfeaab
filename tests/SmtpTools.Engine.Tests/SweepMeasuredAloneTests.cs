using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Probing;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>No other test may run beside these: they measure the process's managed heap, or sweep thousands of probes whose full collections would pause timing tests beside them.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class MeasuredAloneCollection
    {
        public const string Name = "Measured alone";
    }

    /// <summary>A long sweep's garbage stays bounded (SweepMemory), measured with no other test allocating meanwhile.</summary>
    [Collection(MeasuredAloneCollection.Name)]
    public sealed class SweepMemoryTests
    {
        private static readonly SmtpProbeOptions Options = new SmtpProbeOptions { Timeout = TimeSpan.FromSeconds(2) };

        [Fact]
        public void Garbage_left_by_a_long_sweeps_finished_probes_is_collected_every_16_MB_whatever_the_collectors_own_budget()
        {
            // Each probe leaves 64 KB of garbage, as a real one does (its TLS session, buffers, tasks); 4,000 of them make
            // 256 MB. The GC sizes its first generation by the processor's cache (hundreds of MB on a server's): on its own
            // it let the heap grow 80 MB here before collecting. One thread, probe after probe, so nothing else moves the
            // heap. The first 256 probes never collect (16 MB), so the bound is 16 MB of theirs plus 16 MB of room.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var memory = new SweepMemory();
            var byCollection = new Dictionary<int, (long Smallest, long Largest)>();
            for (var probe = 0; probe < 4000; probe++)
            {
                for (var i = 0; i < 64 / 8; i++)
                {
                    GC.KeepAlive(new byte[8192]);
                }

                memory.ProbeFinished();
                var collections = GC.CollectionCount(0);
                var heap = GC.GetTotalMemory(false);
                byCollection[collections] = byCollection.TryGetValue(collections, out var seen)
                    ? (Math.Min(seen.Smallest, heap), Math.Max(seen.Largest, heap))
                    : (heap, heap);
            }

            var growth = byCollection.Values.Max(v => v.Largest - v.Smallest) / (1024.0 * 1024);
            Assert.True(growth < 40, $"the heap grew by {growth:0} MB between two collections while 4,000 probes left 64 KB of garbage each ({byCollection.Count - 1} collections)");
        }

        [Fact]
        public async Task A_sweep_tells_its_memory_keeper_of_every_finished_probe()
        {
            var probes = 0;
            var sweep = new SmtpPortSweep(Options, 32, keepInputOrder: false, availableDescriptors: null, CancellationToken.None)
            {
                Resolver = (name, timeout, token) => Task.FromResult(new[] { IPAddress.Loopback }),
                Prober = (host, addresses, port, options, token) =>
                {
                    Interlocked.Increment(ref probes);
                    return Task.FromResult(new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.Closed });
                },
            };
            var results = SmtpPortSweepTests.Collect(sweep);
            for (var host = 0; host < 40; host++)
            {
                sweep.Add($"host{host}.example", Enumerable.Range(1, 5));
            }

            await sweep.CompleteAsync();

            Assert.Equal(200, results.Count);
            Assert.Equal(200, sweep.MemoryChecks);
        }
    }
}
