using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Probing;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The sweep behind Test-SmtpPort: one lookup per host, one failure report per host, a result per port.</summary>
    [Collection(MeasuredAloneCollection.Name)] // thousands of probes: their collections (SweepMemory) would pause timing tests beside them
    public sealed class SmtpPortSweepTests
    {
        private static readonly SmtpProbeOptions Options = new SmtpProbeOptions { Timeout = TimeSpan.FromSeconds(2) };

        [Fact]
        public async Task Each_host_is_resolved_once_for_all_its_ports_whatever_its_case()
        {
            var lookups = new ConcurrentBag<string>();
            var sweep = new SmtpPortSweep(Options, 8, keepInputOrder: false, CancellationToken.None)
            {
                Resolver = (name, timeout, token) =>
                {
                    lookups.Add(name);
                    return Task.FromResult(new[] { IPAddress.Loopback });
                },
            };
            var results = Collect(sweep);
            var closed = ClosedPorts(4);

            sweep.Add("mail.example", closed.Take(3));
            sweep.Add("MAIL.example", closed.Skip(3));
            await sweep.CompleteAsync();

            Assert.Equal(new[] { "mail.example" }, lookups);
            Assert.Equal(4, results.Count);
            Assert.All(results, r => Assert.Equal(SmtpPortStatus.Closed, r.Status));
        }

        [Fact]
        public async Task No_more_than_the_per_host_limit_of_one_hosts_ports_is_probed_at_once_whatever_the_throttle()
        {
            var open = 0;
            var most = 0;
            using var stop = new CancellationTokenSource();
            var listeners = Enumerable.Range(0, 40).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
            var serving = new List<Task>();
            foreach (var listener in listeners)
            {
                listener.Start();
                serving.Add(Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        using var client = await listener.AcceptTcpClientAsync(stop.Token);
                        var now = Interlocked.Increment(ref open);
                        InterlockedMax(ref most, now);
                        var counted = true;
                        try
                        {
                            // A slow but honest plaintext server: greets at once (so detection never depends on the
                            // machine's load), takes 300 ms over EHLO, says goodbye.
                            var stream = client.GetStream();
                            using var reader = new System.IO.StreamReader(stream);
                            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes("220 slow ESMTP\r\n"), stop.Token);
                            while (await reader.ReadLineAsync(stop.Token) is { } line)
                            {
                                if (line.StartsWith("QUIT", StringComparison.OrdinalIgnoreCase))
                                {
                                    // The probe is done with us before it frees its slot: count it gone now, not when
                                    // its socket's end reaches us (which can lag behind the next probe's connect).
                                    Interlocked.Decrement(ref open);
                                    counted = false;
                                }

                                var ehlo = line.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase);
                                if (ehlo)
                                {
                                    await Task.Delay(300, stop.Token);
                                }

                                var reply = ehlo ? "250 slow\r\n" : "221 bye\r\n";
                                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(reply), stop.Token);
                            }
                        }
                        finally
                        {
                            if (counted)
                            {
                                Interlocked.Decrement(ref open);
                            }
                        }
                    }
                }));
            }

            try
            {
                var sweep = new SmtpPortSweep(Options, 1024, keepInputOrder: false, CancellationToken.None);
                var results = Collect(sweep);
                sweep.Add("127.0.0.1", listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port));
                await sweep.CompleteAsync();

                Assert.Equal(40, results.Count);
                Assert.All(results, r => Assert.Equal(SmtpObservedSecurity.PlainOnly, r.Security));
                Assert.InRange(most, 2, SmtpPortSweep.PerHostLimit);
            }
            finally
            {
                stop.Cancel();
                listeners.ForEach(l => l.Stop());
                await Task.WhenAll(serving).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        [Fact]
        public async Task A_sweep_of_5000_endpoints_gives_one_result_per_endpoint_and_fills_every_slot()
        {
            // 1,000 hosts of 5 ports, a quarter silent: no socket, a fake probe that holds its slot until the throttle is full.
            var probe = new GatedProbe(gateAt: 512);
            var sweep = new SmtpPortSweep(Options, 512, keepInputOrder: false, availableDescriptors: null, CancellationToken.None)
            {
                Resolver = (name, timeout, token) => Task.FromResult(new[] { IPAddress.Loopback }),
                Prober = probe.ProbeAsync,
            };
            var results = Collect(sweep);

            for (var host = 0; host < 1000; host++)
            {
                sweep.Add($"host{host}.example", Enumerable.Range(1, 5));
            }

            await sweep.CompleteAsync();

            Assert.Equal(5000, results.Count);
            Assert.Equal(5000, results.Select(r => (r.ComputerName, r.Port)).Distinct().Count());
            Assert.Equal(512, probe.MostAtOnce);
        }

        [Fact]
        public async Task One_hosts_ports_are_probed_as_widely_as_the_per_host_limit_allows_and_no_wider()
        {
            var probe = new GatedProbe(gateAt: SmtpPortSweep.PerHostLimit);
            var sweep = new SmtpPortSweep(Options, 512, keepInputOrder: true, availableDescriptors: null, CancellationToken.None)
            {
                Resolver = (name, timeout, token) => Task.FromResult(new[] { IPAddress.Loopback }),
                Prober = probe.ProbeAsync,
            };
            var results = Collect(sweep);

            sweep.Add("one.example", Enumerable.Range(1, 200));
            await sweep.CompleteAsync();

            Assert.Equal(Enumerable.Range(1, 200), results.Select(r => r.Port));
            Assert.Equal(SmtpPortSweep.PerHostLimit, probe.MostAtOnce);
            Assert.True(SmtpPortSweep.PerHostLimit >= 100, "100 ports of one host must not take twice as long as 100 endpoints over 20 hosts");
        }

        [Fact]
        public void A_descriptor_limit_too_low_for_the_throttle_lowers_it_with_a_warning_that_says_how_to_raise_it()
        {
            var sweep = new SmtpPortSweep(Options, 512, keepInputOrder: false, availableDescriptors: 300, CancellationToken.None);

            Assert.Equal((300 - 64) / 2, sweep.EffectiveThrottleLimit);
            Assert.Contains("ulimit -n 2048", sweep.ThrottleWarning);
            Assert.Contains("-ThrottleLimit 512", sweep.ThrottleWarning);
        }

        [Fact]
        public void A_descriptor_limit_that_holds_the_throttle_changes_nothing()
        {
            var sweep = new SmtpPortSweep(Options, 512, keepInputOrder: false, availableDescriptors: 20000, CancellationToken.None);

            Assert.Equal(512, sweep.EffectiveThrottleLimit);
            Assert.Null(sweep.ThrottleWarning);
        }

        [Fact]
        public async Task A_sweep_limited_by_descriptors_still_gives_every_endpoint_its_result()
        {
            var probe = new GatedProbe(gateAt: 18);
            var sweep = new SmtpPortSweep(Options, 512, keepInputOrder: false, availableDescriptors: 100, CancellationToken.None)
            {
                Resolver = (name, timeout, token) => Task.FromResult(new[] { IPAddress.Loopback }),
                Prober = probe.ProbeAsync,
            };
            var results = Collect(sweep);

            for (var host = 0; host < 100; host++)
            {
                sweep.Add($"host{host}.example", new[] { 25, 465 });
            }

            await sweep.CompleteAsync();

            Assert.Equal(200, results.Count);
            Assert.Equal(18, probe.MostAtOnce);
        }

        [Fact]
        public void The_process_descriptor_limit_is_read_where_there_is_one()
        {
            var available = SmtpTools.Probing.DescriptorBudget.Available();
            if (OperatingSystem.IsWindows())
            {
                Assert.Null(available);
            }
            else
            {
                Assert.NotNull(available);
                Assert.InRange(available!.Value, 1, long.MaxValue);
            }
        }

        /// <summary>
        /// A probe without sockets: the first <c>gateAt</c> probes wait until that many run at once (at most 10 s), later
        /// ones answer at once; it records the most that ran together.
        /// </summary>
        [Fact]
        public async Task Probes_whose_servers_stay_quiet_give_up_their_starting_slot_so_silent_endpoints_all_start_within_a_second()
        {
            // 400 firewalled or silent endpoints: their probes only wait, so more than the starting limit may wait at once.
            var probe = new QuietOrBusyProbe(busy: 0, gateAt: 400, fallback: TimeSpan.FromSeconds(10));

            var results = await SweepAsync(probe, 400);

            Assert.Equal(400, results.Count);
            Assert.Equal(400, probe.MostAtOnce);
            Assert.True(probe.GateOpenedBeforeFallback, "all 400 should have started long before the 10 s fallback");
        }

        [Fact]
        public async Task Before_any_server_answers_a_quiet_probe_holds_its_starting_slot_25_ms()
        {
            // A firewalled range: nothing answers, so nothing needs the CPU, and probes start 128 every 25 ms or so.
            var probe = new QuietOrBusyProbe(busy: 0, gateAt: 300, fallback: TimeSpan.FromSeconds(10));
            var sweep = Sweep(probe.ProbeAsync);
            Assert.Equal(SmtpPortSweep.QuietAfter, sweep.QuietHold());
            var results = Collect(sweep);

            for (var host = 0; host < 300; host++)
            {
                sweep.Add($"host{host}.example", new[] { 25 });
            }

            await sweep.CompleteAsync();

            Assert.Equal(300, results.Count);
            Assert.True(probe.GateOpenedBeforeFallback, "all 300 should have started long before the 10 s fallback");
            Assert.Equal(SmtpPortSweep.QuietAfter, sweep.QuietHold());
        }

        [Fact]
        public async Task Once_servers_answer_slowly_quiet_probes_hold_their_starting_slot_four_times_as_long()
        {
            // Servers that take 100 ms to answer (a busy machine, a slow network): a probe quiet for 25 ms may well be one
            // of them, so the next probes hold their slot about 400 ms while their servers stay quiet.
            var sweep = Sweep(async (host, addresses, port, options, token) =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), token);
                options.Answered?.Invoke();
                return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.Open };
            });
            var results = Collect(sweep);
            for (var host = 0; host < 64; host++)
            {
                sweep.Add($"host{host}.example", new[] { 25 });
            }

            await sweep.CompleteAsync();

            Assert.Equal(64, results.Count);
            Assert.InRange(sweep.QuietHold(), TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(3)); // 400 ms, more on a loaded machine
        }

        [Fact]
        public async Task While_servers_answer_slowly_quiet_probes_keep_their_starting_slot_for_longer()
        {
            // The first 200 servers answer after 100 ms; then 200 more probes stay quiet until 200 of them run at once
            // (or 1.5 s pass). After slow answers a quiet probe holds its slot 300 ms or more, so within the greeting
            // wait the quiet ones cannot all be let in as fast as when nothing had answered: fewer than 200 run at once
            // within the first 250 ms of the quiet ones.
            var started = 0;
            var quietGate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var quietRunning = 0;
            var mostQuiet = 0;
            var quietStartedAt = new System.Diagnostics.Stopwatch();
            var mostWithin250Ms = 0;
            var sweep = Sweep(async (host, addresses, port, options, token) =>
            {
                if (Interlocked.Increment(ref started) <= 200)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), token);
                    options.Answered?.Invoke();
                    return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.Open };
                }

                lock (quietGate)
                {
                    quietStartedAt.Start();
                    quietRunning++;
                    mostQuiet = Math.Max(mostQuiet, quietRunning);
                    if (quietStartedAt.Elapsed < TimeSpan.FromMilliseconds(250))
                    {
                        mostWithin250Ms = Math.Max(mostWithin250Ms, quietRunning);
                    }
                }

                await Task.WhenAny(quietGate.Task, Task.Delay(TimeSpan.FromSeconds(1.5), token));
                lock (quietGate)
                {
                    quietRunning--;
                }

                return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.NoResponse };
            });
            var results = Collect(sweep);
            for (var host = 0; host < 200; host++)
            {
                sweep.Add($"answers{host}.example", new[] { 25 });
            }

            // The quiet ones come after the answering ones have set the average.
            while (Volatile.Read(ref started) < 200)
            {
                await Task.Delay(10);
            }

            await Task.Delay(300);
            for (var host = 0; host < 200; host++)
            {
                sweep.Add($"quiet{host}.example", new[] { 25 });
            }

            await sweep.CompleteAsync();

            Assert.Equal(400, results.Count);
            Assert.InRange(mostWithin250Ms, 1, SmtpPortSweep.StartingLimit);
        }

        [Fact]
        public async Task A_port_silent_on_every_host_has_its_endpoints_started_early_instead_of_behind_the_answering_ones()
        {
            // 300 hosts, each probed on 587 (answers at once, then works 100 ms) and 25 (never answers: blocked by the
            // network), 25 listed last. The queue serves one endpoint per host in turn, so without the quiet-port rule
            // every 587 probe starts before the 25 ones still waiting; with it, once 8 probes of port 25 have gone quiet,
            // its waiting endpoints start beside the queue. No 587 probe ends before every host is added, so the queue
            // is long however slowly a loaded machine runs the loop that adds them.
            var starts = new List<int>();
            var added = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var sweep = Sweep(async (host, addresses, port, options, token) =>
            {
                lock (starts)
                {
                    starts.Add(port);
                }

                if (port == 25)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), token);
                    return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.NoResponse };
                }

                options.Answered?.Invoke();
                await added.Task;
                await Task.Delay(TimeSpan.FromMilliseconds(100), token);
                return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.Open };
            });
            sweep.FixedQuietHold = SmtpPortSweep.QuietAfter; // the adaptive hold grows on a loaded machine
            var results = Collect(sweep);
            for (var host = 0; host < 300; host++)
            {
                sweep.Add($"host{host}.example", new[] { 587, 25 });
            }

            added.SetResult(true);
            await sweep.CompleteAsync();

            Assert.Equal(600, results.Count);
            var lastQuiet = starts.LastIndexOf(25);
            var answeringBefore = starts.Take(lastQuiet).Count(p => p == 587);
            Assert.True(answeringBefore < 250, $"{answeringBefore} of 300 answering probes started before the last probe of the silent port ({sweep.EarlyStarts} probes started early)");
            Assert.InRange(sweep.EarlyStarts, 1, 300);
        }

        [Fact]
        public async Task Endpoints_added_after_their_port_was_taken_for_silent_start_early_too()
        {
            // Input that arrives slowly (a pipeline): the first 10 hosts' port 25 go quiet and the port is taken for
            // silent while none of its endpoints waits; then 200 more hosts come, and their 587 probes, held until the
            // test lets them go, fill every starting slot. Their port-25 endpoints must still start early.
            var answering = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var sweep = Sweep(async (host, addresses, port, options, token) =>
            {
                if (port == 25)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), token);
                    return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.NoResponse };
                }

                options.Answered?.Invoke();
                await answering.Task;
                return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.Open };
            });
            sweep.FixedQuietHold = SmtpPortSweep.QuietAfter; // the adaptive hold grows on a loaded machine
            var results = Collect(sweep);
            await AddAfterPort25TakenForSilentAsync(sweep, 200);

            var early = await WaitUntil(() => sweep.EarlyStarts > 0);
            answering.SetResult(true);
            await sweep.CompleteAsync();

            Assert.Equal(420, results.Count);
            Assert.True(early, "no port-25 endpoint of the later hosts started early while the answering ones held every starting slot");
        }

        [Fact]
        public async Task A_port_whose_servers_accept_and_stay_quiet_is_never_taken_for_silent()
        {
            // Every host's 465 accepts at once and says nothing for 300 ms (implicit TLS: nothing before the ClientHello
            // is answered, late on a loaded server). Its probes go quiet, but they connected, so the port is not blocked
            // by the network: none of its endpoints may start beside the queue (that once started two connections to
            // every host's 465 at once and starved the servers into false timeouts).
            var sweep = Sweep(async (host, addresses, port, options, token) =>
            {
                options.Connected?.Invoke();
                if (port == 465)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(300), token);
                }

                options.Answered?.Invoke();
                await Task.Delay(TimeSpan.FromMilliseconds(50), token);
                return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.Open };
            });
            sweep.FixedQuietHold = SmtpPortSweep.QuietAfter;
            var results = Collect(sweep);
            for (var host = 0; host < 300; host++)
            {
                sweep.Add($"host{host}.example", new[] { 587, 465 });
            }

            await sweep.CompleteAsync();

            Assert.Equal(600, results.Count);
            Assert.Equal(0, sweep.EarlyStarts);
            Assert.False(sweep.IsTakenForSilent(465));
        }

        // Adds 10 hosts on 587 and 25, waits until port 25 is taken for silent (their probes of it must go quiet), then
        // adds that many more hosts.
        private static async Task AddAfterPort25TakenForSilentAsync(SmtpPortSweep sweep, int laterHosts)
        {
            for (var host = 0; host < 10; host++)
            {
                sweep.Add($"first{host}.example", new[] { 587, 25 });
            }

            Assert.True(await WaitUntil(() => sweep.IsTakenForSilent(25)), "port 25 was not taken for silent after 10 hosts' probes of it went quiet");
            for (var host = 0; host < laterHosts; host++)
            {
                sweep.Add($"later{host}.example", new[] { 587, 25 });
            }
        }

        // Polls for up to 5 s; false if the condition never held.
        private static async Task<bool> WaitUntil(Func<bool> condition)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(5))
                {
                    return false;
                }

                await Task.Delay(10);
            }

            return true;
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task The_first_answer_or_connection_on_a_port_taken_for_silent_stops_its_early_starts(bool byConnection)
        {
            // Port 25's servers are slow, not silent: none answers (or, blocked for a while, none even connects) until the
            // test says so. The first 10 hosts' probes of it go quiet and the port is taken for silent; 290 more hosts come,
            // their 587 probes (held until the test lets them go) fill every starting slot, and their port-25 endpoints
            // start early, up to the throttle of 200. Then the servers answer, or the connections go through: the
            // endpoints still waiting must wait their turn.
            var earlyAtFirstSign = -1;
            var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            SmtpPortSweep? sweep = null;
            sweep = Sweep(
                async (host, addresses, port, options, token) =>
                {
                    if (port == 587)
                    {
                        options.Connected?.Invoke();
                        options.Answered?.Invoke();
                    }

                    await release.Task;
                    if (port == 25)
                    {
                        Interlocked.CompareExchange(ref earlyAtFirstSign, sweep!.EarlyStarts, -1);
                        (byConnection ? options.Connected : options.Answered)?.Invoke();
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(200), token);
                    return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.Open };
                },
                throttleLimit: 200);
            sweep.FixedQuietHold = SmtpPortSweep.QuietAfter; // the adaptive hold grows on a loaded machine
            var results = Collect(sweep);
            await AddAfterPort25TakenForSilentAsync(sweep, 290);

            Assert.True(await WaitUntil(() => sweep.EarlyStarts > 0), "no port-25 endpoint started early");
            release.SetResult(true);
            await sweep.CompleteAsync();

            Assert.Equal(600, results.Count);
            Assert.InRange(earlyAtFirstSign, 1, 289); // some started early, not all
            Assert.Equal(earlyAtFirstSign, sweep.EarlyStarts); // none after the first sign of life
            Assert.False(sweep.IsTakenForSilent(25));
        }

        // A sweep of fake probes; the greeting wait is long, so only the quiet rule can let a probe stop counting as
        // starting before it ends.
        private static SmtpPortSweep Sweep(Func<string, IReadOnlyList<IPAddress>, int, SmtpProbeOptions, CancellationToken, Task<SmtpPortResult>> prober, int throttleLimit = 1024) =>
            new SmtpPortSweep(new SmtpProbeOptions { Timeout = TimeSpan.FromSeconds(60), GreetingWait = TimeSpan.FromSeconds(30) }, throttleLimit, keepInputOrder: false, availableDescriptors: null, CancellationToken.None)
            {
                Resolver = (name, timeout, token) => Task.FromResult(new[] { IPAddress.Loopback }),
                Prober = prober,
            };

        // One port of each of that many hosts, through the fake probe; the greeting wait is long, so only the quiet rule
        // can let a probe stop counting as starting before it ends.
        private static async Task<IReadOnlyCollection<SmtpPortResult>> SweepAsync(QuietOrBusyProbe probe, int hosts)
        {
            var sweep = Sweep(probe.ProbeAsync);
            var results = Collect(sweep);
            for (var host = 0; host < hosts; host++)
            {
                sweep.Add($"host{host}.example", new[] { 25 });
            }

            await sweep.CompleteAsync();
            return results;
        }

        /// <summary>A fake probe: the first <c>busy</c> probes say their server answered; all hold on until <c>gateAt</c> run at once (or the fallback passes).</summary>
        private sealed class QuietOrBusyProbe
        {
            private readonly int _busy;
            private readonly int _gateAt;
            private readonly TimeSpan _fallback;
            private readonly TaskCompletionSource<bool> _gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            private int _started;
            private int _running;
            private int _most;

            public QuietOrBusyProbe(int busy, int gateAt, TimeSpan fallback)
            {
                _busy = busy;
                _gateAt = gateAt;
                _fallback = fallback;
            }

            public int MostAtOnce => Volatile.Read(ref _most);

            public bool GateOpenedBeforeFallback { get; private set; }


            public async Task<SmtpPortResult> ProbeAsync(string host, IReadOnlyList<IPAddress> addresses, int port, SmtpProbeOptions options, CancellationToken token)
            {
                if (Interlocked.Increment(ref _started) <= _busy)
                {
                    options.Answered?.Invoke();
                }

                var now = Interlocked.Increment(ref _running);
                InterlockedMax(ref _most, now);
                if (now >= _gateAt && _gate.TrySetResult(true))
                {
                    GateOpenedBeforeFallback = true;
                }

                await Task.WhenAny(_gate.Task, Task.Delay(_fallback, token));
                _gate.TrySetResult(false);
                Interlocked.Decrement(ref _running);
                return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.NoResponse };
            }
        }

        private sealed class GatedProbe
        {
            private readonly int _gateAt;
            private readonly TaskCompletionSource<bool> _gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            private int _running;
            private int _most;

            public GatedProbe(int gateAt)
            {
                _gateAt = gateAt;
            }

            public int MostAtOnce => Volatile.Read(ref _most);

            public async Task<SmtpPortResult> ProbeAsync(string host, IReadOnlyList<IPAddress> addresses, int port, SmtpProbeOptions options, CancellationToken token)
            {
                var now = Interlocked.Increment(ref _running);
                InterlockedMax(ref _most, now);
                if (now >= _gateAt)
                {
                    _gate.TrySetResult(true);
                }

                await Task.WhenAny(_gate.Task, Task.Delay(TimeSpan.FromSeconds(10), token));
                Interlocked.Decrement(ref _running);
                return new SmtpPortResult { ComputerName = host, Port = port, Status = SmtpPortStatus.Closed };
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }

        [Fact]
        public async Task A_name_that_does_not_resolve_is_reported_once_and_each_port_still_gets_a_result()
        {
            var failures = new List<string>();
            var completed = new List<SmtpSubmissionRecommendation>();
            var sweep = new SmtpPortSweep(Options, 8, keepInputOrder: false, CancellationToken.None);
            sweep.ResolutionFailed += (host, failure) => failures.Add($"{host}:{failure.Kind}");
            sweep.HostCompleted += completed.Add;
            var results = Collect(sweep);

            sweep.Add("no-such-host.invalid", new[] { 25, 465, 587 });
            await sweep.CompleteAsync();

            Assert.Equal(new[] { "no-such-host.invalid:NameNotResolved" }, failures);
            Assert.Equal(new[] { 25, 465, 587 }, results.Select(r => r.Port).OrderBy(p => p));
            Assert.All(results, r => Assert.Equal(SmtpPortStatus.NameNotResolved, r.Status));
            Assert.Null(Assert.Single(completed).Endpoint);
        }

        [Fact]
        public async Task Progress_counts_every_completed_probe_against_the_total()
        {
            var progress = new List<(int Completed, int Total, int Pending)>();
            var sweep = new SmtpPortSweep(Options, 2, keepInputOrder: false, CancellationToken.None);
            sweep.ProgressChanged += p => progress.Add((p.Completed, p.Total, p.PendingCount));

            sweep.Add("127.0.0.1", ClosedPorts(3));
            await sweep.CompleteAsync();

            Assert.Equal(new[] { (1, 3, 2), (2, 3, 1), (3, 3, 0) }, progress);
        }

        [Fact]
        public async Task Progress_names_the_endpoints_still_awaited_oldest_first()
        {
            using var silent = new TcpListener(IPAddress.Loopback, 0);
            silent.Start();
            var silentPort = ((IPEndPoint)silent.LocalEndpoint).Port;
            var reports = new List<string>();
            var sweep = new SmtpPortSweep(Options, 8, keepInputOrder: false, CancellationToken.None);
            sweep.ProgressChanged += p => reports.Add(p.DescribePending());

            // The silent port was added first and is still awaited when every closed port is done.
            sweep.Add("127.0.0.1", new[] { silentPort });
            sweep.Add("127.0.0.1", ClosedPorts(5));
            await sweep.CompleteAsync();

            Assert.Equal($"waiting for 127.0.0.1:{silentPort}", reports[4]);
            Assert.StartsWith($"waiting for 127.0.0.1:{silentPort}, 127.0.0.1:", reports[0]);
            Assert.EndsWith(" and 2 more", reports[0]);
            Assert.Equal(string.Empty, reports[^1]);
        }

        [Fact]
        public void Invalid_ports_are_refused_before_anything_starts()
        {
            var sweep = new SmtpPortSweep(Options, 2, keepInputOrder: false, CancellationToken.None);
            var results = Collect(sweep);

            Assert.Throws<ArgumentOutOfRangeException>(() => sweep.Add("127.0.0.1", new[] { 25, 0 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => sweep.Add("127.0.0.1", new[] { 65536 }));
            Assert.Empty(results);
        }

        [Fact]
        public void Names_under_invalid_never_reach_a_resolver()
        {
            Assert.True(SmtpTools.Protocol.SmtpWireSession.IsSpecialUseInvalidName("no-such-host.invalid"));
            Assert.True(SmtpTools.Protocol.SmtpWireSession.IsSpecialUseInvalidName("HOST.INVALID."));
            Assert.False(SmtpTools.Protocol.SmtpWireSession.IsSpecialUseInvalidName("invalid.example.com"));
        }

        [Fact]
        public async Task Cancelling_a_sweep_ends_its_silent_probes_at_once()
        {
            // A listener that never accepts: connections complete in the kernel's queue and nobody ever speaks.
            var silent = new TcpListener(IPAddress.Loopback, 0);
            silent.Start();
            try
            {
                using var cancel = new CancellationTokenSource();
                var patient = new SmtpProbeOptions { Timeout = TimeSpan.FromSeconds(60), GreetingWait = TimeSpan.FromSeconds(30) };
                var sweep = new SmtpPortSweep(patient, 4, keepInputOrder: false, cancel.Token);
                sweep.Add("127.0.0.1", new[] { ((IPEndPoint)silent.LocalEndpoint).Port });
                var completion = sweep.CompleteAsync();

                cancel.CancelAfter(TimeSpan.FromMilliseconds(200));

                var finished = await Task.WhenAny(completion, Task.Delay(TimeSpan.FromSeconds(10)));
                Assert.Same(completion, finished);
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => completion);
            }
            finally
            {
                silent.Stop();
            }
        }

        internal static List<SmtpPortResult> Collect(SmtpPortSweep sweep)
        {
            var results = new List<SmtpPortResult>();
            sweep.ResultReady += results.Add; // raised one at a time
            return results;
        }

        // Ports that were free a moment ago: connecting to them is refused.
        private static int[] ClosedPorts(int count)
        {
            var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
            listeners.ForEach(l => l.Start());
            var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
            listeners.ForEach(l => l.Stop());
            return ports;
        }
    }
}
