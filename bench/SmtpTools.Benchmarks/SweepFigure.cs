using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Figure 2: Test-SmtpPort over 200, 1,000 (and 5,000) loopback endpoints with -TimeoutSec 2, a quarter of them
    /// listeners that accept and never speak: wall time against one timeout, and the peak working set, each sweep in a
    /// fresh process (the listeners stay in this one, so their memory and sockets are not counted); 100 ports of one
    /// host against 100 endpoints over 20 hosts (the per-host cap); and probing one by one (-ThrottleLimit 1).
    /// </summary>
    internal static class SweepFigure
    {
        public const string Name = "2 Sweep";
        private const string ChildMode = "sweep";
        private const int TimeoutSeconds = 2;
        private const double TimeoutTarget = 1.2;
        private const double MemoryTargetMegabytes = 100;
        private const int MemoryTargetEndpoints = 5000;
        private const int SilentOnlyEndpoints = 1000;
        private const string AllAtOnceVariable = "SMTPTOOLS_BENCH_ALL_AT_ONCE";
        private const int SilentPortHosts = 250;

        public static FigureReport Run(ModuleRunspace session, TestServerInfo server, BenchmarkOptions options, Action<string> progress)
        {
            var report = new FigureReport(Name);
            var directory = Path.Combine(Path.GetTempPath(), "smtptools-bench");
            Directory.CreateDirectory(directory);
            var sizes = options.SweepSizes ?? (options.Quick ? new[] { 200, 1000 } : new[] { 200, 1000, 5000 });
            var throttles = options.SweepThrottles ?? new[] { 0 };
            foreach (var size in options.SilentPortRowOnly ? Array.Empty<int>() : sizes)
            {
                using var endpoints = SweepEndpoints.Create(server, size - size / 4, size / 4, userForwarders: options.UserForwarders, silentFirst: options.SilentFirst, nginxStandIn: options.NginxStandIn, silentFiltered: options.SilentFiltered);
                var file = Path.Combine(directory, $"sweep-{size}.csv");
                endpoints.WriteFile(file);
                report.Notes.Add($"{size} endpoints: " + endpoints.Description);
                var repetitions = size <= 200 ? options.Repetitions : size <= 1000 ? (options.Quick ? 2 : 3) : 2;
                foreach (var throttle in throttles)
                {
                    // The diagnostics (another stand-in, every probe at once) are figures, not the issue's target.
                    var diagnostic = (options.NginxStandIn ? ", nginx stand-in" : string.Empty) + (options.AllAtOnce ? ", every probe at once" : string.Empty) + (options.SilentFiltered ? ", the silent ones filtered" : string.Empty) + (options.SilentFirst ? ", the silent ones first" : string.Empty);
                    var label = $"{size} endpoints ({size / 4} silent), {(throttle == 0 ? "default -ThrottleLimit" : $"-ThrottleLimit {throttle}")}{diagnostic}";
                    var runs = Children(server, file, throttle, repetitions, label, progress, options.AllAtOnce);
                    var seconds = Of(runs, "seconds");
                    report.Add($"wall time, {label}, -TimeoutSec {TimeoutSeconds}", seconds.Format("0.00", "s"), $"one timeout: {TimeoutSeconds} s", seconds.Median / TimeoutSeconds, diagnostic.Length == 0 ? Target.AtMost(TimeoutTarget, $"{TimeoutTarget} timeouts") : Target.None);
                    // Judged on the growth: the hosted PowerShell with the module loaded is about 125 MB before any sweep.
                    var growth = Of(runs, "growthMB");
                    var memoryTarget = size >= MemoryTargetEndpoints ? Target.AtMost(MemoryTargetMegabytes, $"{MemoryTargetMegabytes:0} MB") : Target.None;
                    report.Add($"peak working-set growth, {label}", growth.Format("0", "MB"), $"peak {Of(runs, "peakMB").Format("0", "MB")}, before {Of(runs, "beforeMB").Format("0", "MB")}", null, memoryTarget, growth.Median);
                    report.Notes.Add($"{label}: of the growth, still held after the sweep (settled) {new Sample(runs.Select(r => r["afterMB"] - r["beforeMB"])).Format("0", "MB")}, after glibc's malloc_trim {new Sample(runs.Select(r => r["afterTrimMB"] - r["beforeMB"])).Format("0", "MB")}; at most {Of(runs, "fdPeak").Format("0")} file descriptors open (sampled); at the peak, anonymous memory {Of(runs, "peakAnonMB").Format("0", "MB")} (before {Of(runs, "beforeAnonMB").Format("0", "MB")}), file-backed {Of(runs, "peakFileMB").Format("0", "MB")}, managed heap at most {Of(runs, "peakManagedMB").Format("0", "MB")} (before {Of(runs, "beforeManagedMB").Format("0", "MB")}), at most {Of(runs, "peakThreads").Format("0")} threads; {Of(runs, "fullCollections").Format("0")} full garbage collections during the sweep, the GC's pauses {Of(runs, "gcPauseMs").Format("0", "ms")} in all; probe durations answering {Of(runs, "answeringMedian").Format("0.00", "s")}, silent {Of(runs, "silentMedian").Format("0.00", "s")} (medians); the prober's CPU during the sweep {Of(runs, "cpuSeconds").Format("0.00", "s")}, {Of(runs, "jitMethods").Format("0")} methods JIT-compiled, the runtime's background tier-up thread alone {Of(runs, "jitSeconds").Format("0.00", "s")} of CPU; over the whole child run (start-up and warm-up included) the machine's {Environment.ProcessorCount} cores were busy {Of(runs, "machineCpu").Format("0.0", "s")}, Postfix {Of(runs, "postfixCpu").Format("0.0", "s")}, the forwarders and listeners in the benchmark process {Of(runs, "forwarderCpu").Format("0.0", "s")}; before each run the test server's Postfix ran {Of(runs, "smtpdProcesses").Format("0")} smtpd processes (warmed up in {Of(runs, "warmUpSeconds").Format("0.0", "s")}, see PostfixWarmUp); results not as expected {Of(runs, "unexpected").Format("0")}, of which silent endpoints not reported NoResponse (a listener) or Filtered (dropped connection attempts) {Of(runs, "unexpectedSilent").Format("0")} (the others: answering endpoints reported NoResponse or Filtered).");
                }
            }

            if (options.SweepSizesOnly)
            {
                return report;
            }

            // Every endpoint silent (a range of firewalled hosts): what the start limit costs when nobody answers.
            if (!options.SilentPortRowOnly)
            {
                using var silentOnly = SweepEndpoints.Create(server, 0, SilentOnlyEndpoints, userForwarders: options.UserForwarders);
                var file = Path.Combine(directory, $"sweep-{SilentOnlyEndpoints}-silent.csv");
                silentOnly.WriteFile(file);
                var runs = Children(server, file, 0, options.Quick ? 2 : 3, $"{SilentOnlyEndpoints} endpoints, all silent", progress);
                var seconds = Of(runs, "seconds");
                report.Add($"wall time, {SilentOnlyEndpoints} endpoints all silent (default -ThrottleLimit)", seconds.Format("0.00", "s"), $"one timeout: {TimeoutSeconds} s", seconds.Median / TimeoutSeconds, Target.None, null);
                report.Notes.Add($"{SilentOnlyEndpoints} endpoints all silent: peak working-set growth {Of(runs, "growthMB").Format("0", "MB")}, results not as expected {Of(runs, "unexpected").Format("0")}.");
            }

            // The default ports of 250 hosts, 2525 silent on every one (blocked by the network): the quiet-port rule.
            using (var blocked = SweepEndpoints.CreateWithSilentPort(server, SilentPortHosts, options.UserForwarders))
            {
                var file = Path.Combine(directory, $"sweep-{SilentPortHosts}-hosts-2525-silent.csv");
                blocked.WriteFile(file);
                report.Notes.Add($"{SilentPortHosts * 4} endpoints: " + blocked.Description);
                // One Postfix service stands in for 250 hosts' port each: its smtpd processes are warmed for about as many
                // connections as the sweep holds at once on it (two per implicit-TLS probe while it detects).
                var warm = new Dictionary<int, int> { [server.Ports["relay"]] = 192, [server.Ports["submissions"]] = 256, [server.Ports["submission"]] = 128 };
                var runs = Children(server, file, 0, options.Quick ? 2 : 3, $"{SilentPortHosts} hosts x 4 ports, 2525 silent", progress, warmMore: warm);
                var seconds = Of(runs, "seconds");
                report.Add($"wall time, {SilentPortHosts} hosts x 25, 465, 587, 2525, 2525 silent on all (default -ThrottleLimit)", seconds.Format("0.00", "s"), $"one timeout: {TimeoutSeconds} s", seconds.Median / TimeoutSeconds, Target.None, null);
                report.Notes.Add($"{SilentPortHosts} hosts x 4 ports, 2525 silent: results not as expected {Of(runs, "unexpected").Format("0")}; probe durations answering {Of(runs, "answeringMedian").Format("0.00", "s")}, silent {Of(runs, "silentMedian").Format("0.00", "s")} (medians); the prober's CPU during the sweep {Of(runs, "cpuSeconds").Format("0.00", "s")}.");
            }

            // The per-host cap: 100 ports of one host against 100 endpoints over 20 hosts (5 each), same mix.
            Sample Spread(int hosts)
            {
                using var endpoints = SweepEndpoints.Create(server, 75, 25, hosts, options.UserForwarders);
                var file = Path.Combine(directory, $"sweep-100-on-{hosts}.csv");
                endpoints.WriteFile(file);
                return Of(Children(server, file, 0, options.Quick ? 2 : 3, $"100 endpoints on {hosts} host(s)", progress), "seconds");
            }

            if (options.SilentPortRowOnly)
            {
                return report;
            }

            var oneHost = Spread(1);
            var twentyHosts = Spread(20);
            report.Add("wall time, 100 ports of one host (25 silent)", oneHost.Format("0.00", "s"), $"100 endpoints over 20 hosts: {twentyHosts.Format("0.00", "s")}", oneHost.Median / twentyHosts.Median, Target.AtMost(1.2));

            OneByOne(session, server, options, progress, report);
            return report;
        }

        /// <summary>Child side: imports the module, probes the real ports once (JIT, TLS), then sweeps the file's endpoints, watching memory and descriptors.</summary>
        public static int RunChild(string file, int throttle, int timeoutSeconds)
        {
            var server = TestServerInfo.Load();
            var endpoints = SweepEndpoints.ReadFile(file);

            using var session = new ModuleRunspace();
            session.Invoke($"Test-SmtpPort -ComputerName 127.0.0.1 -Port {string.Join(",", server.Ports.Values)} -TimeoutSec {timeoutSeconds} -TrustedCertificate $args[0]", server.CaFile);
            if (Environment.GetEnvironmentVariable(AllAtOnceVariable) == "1")
            {
                LetEveryProbeInAtOnce();
            }

            var records = endpoints.Select(e => e.Record).ToList();
            var before = ProcessMemory.SettledMegabytes();
            ChildProcess.Report("beforeManagedMB", GC.GetTotalMemory(false) / (1024.0 * 1024));
            ChildProcess.Report("beforeAnonMB", ProcessMemory.AnonymousMegabytes());
            var script = $"$args[0] | Test-SmtpPort -TimeoutSec {timeoutSeconds} -TrustedCertificate $args[1]" + (throttle > 0 ? $" -ThrottleLimit {throttle}" : string.Empty);
            double peak;
            System.Collections.ObjectModel.Collection<PSObject> output;
            TimeSpan elapsed;
            int fdPeak;
            var process = System.Diagnostics.Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var jitBefore = TieredCompilationCpuSeconds();
            var jitMethodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false);
            var fullCollectionsBefore = GC.CollectionCount(2);
            var pauseBefore = GC.GetTotalPauseDuration();
            // Diagnostics (bench/README.md): which methods the runtime compiles during the sweep, and the wrong results.
            var jitLogFile = Environment.GetEnvironmentVariable("SMTPTOOLS_BENCH_JIT_LOG");
            using var jitLog = string.IsNullOrEmpty(jitLogFile) ? null : new JitLog();
            var exceptionsFile = Environment.GetEnvironmentVariable("SMTPTOOLS_BENCH_EXCEPTIONS");
            var exceptions = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
            var countExceptions = !string.IsNullOrEmpty(exceptionsFile);
            EventHandler<System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs> onException = (_, e) =>
            {
                if (countExceptions)
                {
                    var frame = new System.Diagnostics.StackTrace(e.Exception, false).GetFrame(0)?.GetMethod();
                    exceptions.AddOrUpdate($"{e.Exception.GetType().Name} at {frame?.DeclaringType?.FullName}.{frame?.Name}", 1, (_, c) => c + 1);
                }
            };
            AppDomain.CurrentDomain.FirstChanceException += onException;
            var timelineFile = Environment.GetEnvironmentVariable("SMTPTOOLS_BENCH_TIMELINE") is { Length: > 0 } t ? t : null;
            var timeline = new List<(PSObject Result, TimeSpan At)>();
            using (var descriptors = new DescriptorWatch())
            using (var memory = ProcessMemory.StartWatching())
            {
                (output, elapsed) = session.Time(script, timelineFile == null ? null : (r, at) => timeline.Add((r, at)), records, server.CaFile);
                process.Refresh();
                ChildProcess.Report("cpuSeconds", (process.TotalProcessorTime - cpuBefore).TotalSeconds);
                ChildProcess.Report("jitSeconds", TieredCompilationCpuSeconds() - jitBefore);
                ChildProcess.Report("fullCollections", GC.CollectionCount(2) - fullCollectionsBefore);
                ChildProcess.Report("gcPauseMs", (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds);
                ChildProcess.Report("jitMethods", System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false) - jitMethodsBefore);
                peak = memory.PeakMegabytes();
                ChildProcess.Report("peakAnonMB", memory.AnonymousAtPeakMegabytes);
                ChildProcess.Report("peakFileMB", memory.FileAtPeakMegabytes);
                ChildProcess.Report("peakManagedMB", memory.ManagedPeakMegabytes);
                ChildProcess.Report("peakThreads", memory.ThreadsPeak);
                fdPeak = descriptors.Peak();
            }

            jitLog?.Write(jitLogFile!);
            AppDomain.CurrentDomain.FirstChanceException -= onException;
            if (countExceptions)
            {
                File.WriteAllLines(exceptionsFile!, exceptions.OrderByDescending(e => e.Value).Select(e => $"{e.Value}\t{e.Key}"));
            }

            if (output.Count != records.Count)
            {
                throw new InvalidOperationException($"Test-SmtpPort returned {output.Count} results for {records.Count} endpoints.");
            }

            var silent = new HashSet<string>(endpoints.Where(e => e.Silent).Select(e => Key(e.Record)), StringComparer.OrdinalIgnoreCase);
            var dropped = new HashSet<string>(endpoints.Where(e => e.Dropped).Select(e => Key(e.Record)), StringComparer.OrdinalIgnoreCase);
            if (timelineFile != null)
            {
                // Each result: its place in the input, silent or not, when its probe started and ended (seconds into the sweep).
                var place = endpoints.Select((e, i) => (Key(e.Record), i)).ToDictionary(p => p.Item1, p => p.i, StringComparer.OrdinalIgnoreCase);
                File.WriteAllLines(timelineFile, timeline.Select(item =>
                {
                    var end = item.At.TotalSeconds;
                    var start = end - ((TimeSpan)item.Result.Properties["Duration"].Value).TotalSeconds;
                    var key = Key(item.Result);
                    return string.Create(CultureInfo.InvariantCulture, $"{place[key]} {(silent.Contains(key) ? 1 : 0)} {start:0.000} {end:0.000}");
                }));
            }

            var unexpected = 0;
            var unexpectedSilent = 0;
            var durations = new List<double>[] { new List<double>(), new List<double>() };
            foreach (var result in output)
            {
                var isSilent = silent.Contains(Key(result));
                var status = result.Properties["Status"].Value?.ToString();
                // A listener that accepts and never speaks is NoResponse; a port whose connection attempts are dropped, Filtered.
                var silentStatus = dropped.Contains(Key(result)) ? "Filtered" : "NoResponse";
                if (isSilent ? status != silentStatus : status == "NoResponse" || status == "Filtered")
                {
                    if (Environment.GetEnvironmentVariable("SMTPTOOLS_BENCH_UNEXPECTED") is { Length: > 0 } dump)
                    {
                        File.AppendAllText(dump, $"{Key(result)} {status} {result.Properties["Duration"].Value} {result.Properties["FailureKind"]?.Value} {result.Properties["ConnectTime"]?.Value} {result.Properties["ErrorMessage"]?.Value}\n");
                    }

                    unexpected++;
                    unexpectedSilent += isSilent ? 1 : 0;
                }

                durations[isSilent ? 1 : 0].Add(((TimeSpan)result.Properties["Duration"].Value).TotalSeconds);
            }

            var after = ProcessMemory.SettledMegabytes(); // the results still held
            if (Environment.GetEnvironmentVariable("SMTPTOOLS_BENCH_HOLD_SECONDS") is { Length: > 0 } hold)
            {
                // For a heap snapshot of what the results hold (dotnet-gcdump collect -p PID).
                Console.Error.WriteLine($"sweep child {Environment.ProcessId}: holding {output.Count} results for {hold} s");
                Thread.Sleep(TimeSpan.FromSeconds(int.Parse(hold, CultureInfo.InvariantCulture)));
            }

            GC.KeepAlive(output);
            ChildProcess.Report("afterMB", after);
            ChildProcess.Report("afterTrimMB", TrimmedMegabytes());
            ChildProcess.Report("seconds", elapsed.TotalSeconds);
            ChildProcess.Report("beforeMB", before);
            ChildProcess.Report("peakMB", peak);
            ChildProcess.Report("growthMB", peak - before);
            ChildProcess.Report("fdPeak", fdPeak);
            ChildProcess.Report("unexpected", unexpected);
            ChildProcess.Report("unexpectedSilent", unexpectedSilent);
            ChildProcess.Report("answeringMedian", durations[0].Count == 0 ? 0 : new Sample(durations[0]).Median);
            ChildProcess.Report("silentMedian", durations[1].Count == 0 ? 0 : new Sample(durations[1]).Median);
            return 0;
        }

        // CPU used by the runtime's background compilation thread (".NET Tiered Com"), which recompiles hot methods
        // optimized: from /proc/self/task/*/stat (utime + stime, in clock ticks of 1/100 s); 0 where there is no /proc.
        // (JitInfo.GetCompilationTime is wall time inside the JIT, waits for a core included, so it overstates on a busy machine.)
        private static double TieredCompilationCpuSeconds()
        {
            var ticks = 0L;
            try
            {
                foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
                {
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var open = stat.IndexOf('(');
                    var close = stat.LastIndexOf(')');
                    if (open < 0 || close < open || !stat.Substring(open + 1, close - open - 1).StartsWith(".NET Tiered", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var fields = stat.Substring(close + 2).Split(' ');
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FormatException || e is IndexOutOfRangeException)
            {
            }

            return ticks / 100.0;
        }

        // The working set once glibc has handed its free memory back (malloc_trim): what the results really hold, as
        // against memory freed but kept by the allocator. Where there is no glibc, the settled figure again.
        private static double TrimmedMegabytes()
        {
            try
            {
                malloc_trim(UIntPtr.Zero);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException)
            {
            }

            return ProcessMemory.SettledMegabytes();
        }

        // The module's own copy of the engine (its load context, not this program's): SmtpPortSweep.StartingLimitOverride,
        // an internal seam, set to the largest throttle.
        private static void LetEveryProbeInAtOnce()
        {
            var set = 0;
            foreach (var engine in AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "SmtpTools.Engine"))
            {
                var sweep = engine.GetType("SmtpTools.Probing.SmtpPortSweep", throwOnError: true)!;
                var limit = (int)sweep.GetField("MaximumThrottleLimit")!.GetValue(null)!;
                sweep.GetProperty("StartingLimitOverride", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic)!.SetValue(null, (int?)limit);
                set++;
            }

            if (set == 0)
            {
                throw new InvalidOperationException("--all-at-once: the module's SmtpTools.Engine is not loaded.");
            }
        }

        [System.Runtime.InteropServices.DllImport("libc")]
        private static extern int malloc_trim(UIntPtr pad);

        private static List<IReadOnlyDictionary<string, double>> Children(TestServerInfo server, string file, int throttle, int repetitions, string label, Action<string> progress, bool allAtOnce = false, IReadOnlyDictionary<int, int>? warmMore = null)
        {
            // The child reads it (RunChild): a diagnostic sweep without the starting limit.
            Environment.SetEnvironmentVariable(AllAtOnceVariable, allAtOnce ? "1" : null);
            var runs = new List<IReadOnlyDictionary<string, double>>();
            for (var i = 0; i < repetitions; i++)
            {
                progress($"{Name}: {label}, fresh process, repetition {i + 1} of {repetitions}");
                var (smtpd, warming) = PostfixWarmUp.Run(server, warmMore);
                Thread.Sleep(PostfixWarmUp.Settle); // the smtpd processes log the warm-up's connections before the child starts
                var before = CpuAccount.Now();
                var run = new Dictionary<string, double>(ChildProcess.Run(ChildMode, TimeSpan.FromMinutes(5), file, throttle.ToString(CultureInfo.InvariantCulture), TimeoutSeconds.ToString(CultureInfo.InvariantCulture)), StringComparer.Ordinal);
                var used = CpuAccount.Now() - before;
                run["machineCpu"] = used.Machine;
                run["postfixCpu"] = used.Postfix;
                run["forwarderCpu"] = used.Self;
                run["smtpdProcesses"] = smtpd;
                run["warmUpSeconds"] = warming.TotalSeconds;
                runs.Add(run);
            }

            return runs;
        }

        // One by one takes minutes with silent ports: timed on a subset in this process, then scaled to 200 endpoints by the mean probe time of each kind.
        private static void OneByOne(ModuleRunspace session, TestServerInfo server, BenchmarkOptions options, Action<string> progress, FigureReport report)
        {
            using var endpoints = SweepEndpoints.Create(server, 150, 50, userForwarders: options.UserForwarders);
            var subsetAnswering = endpoints.Answering.Take(options.Quick ? 10 : 20).ToList();
            var subsetSilent = endpoints.Silent.Take(options.Quick ? 2 : 5).ToList();
            var subset = subsetAnswering.Concat(subsetSilent).ToList();
            session.Invoke($"Test-SmtpPort -ComputerName 127.0.0.1 -Port {string.Join(",", server.Ports.Values)} -TimeoutSec {TimeoutSeconds} -TrustedCertificate $args[0]", server.CaFile); // JIT warm-up
            var seconds = new List<double>();
            IReadOnlyList<PSObject> results = Array.Empty<PSObject>();
            for (var i = 0; i < (options.Quick ? 1 : 2); i++)
            {
                progress($"{Name}: one by one, {subset.Count} endpoints, repetition {i + 1}");
                var (output, elapsed) = session.Time($"$args[0] | Test-SmtpPort -TimeoutSec {TimeoutSeconds} -TrustedCertificate $args[1] -ThrottleLimit 1", subset, server.CaFile);
                seconds.Add(elapsed.TotalSeconds);
                results = output;
            }

            double Mean(bool silent) => results.Where(r => endpoints.IsSilent(Text(r, "ComputerName"), (int)r.Properties["Port"].Value) == silent)
                .Select(r => ((TimeSpan)r.Properties["Duration"].Value).TotalSeconds).Average();
            var answeringMean = Mean(false);
            var silentMean = Mean(true);
            var scale = (answeringMean * 150 + silentMean * 50) / (answeringMean * subsetAnswering.Count + silentMean * subsetSilent.Count);
            var sequential = new Sample(seconds).Select(s => s * scale);
            report.Add("wall time, 200 endpoints one by one (-ThrottleLimit 1)", sequential.Format("0", "s") + ", extrapolated", $"one timeout: {TimeoutSeconds} s", sequential.Median / TimeoutSeconds, Target.None);
            report.Notes.Add($"One by one was timed on {subset.Count} endpoints ({subsetAnswering.Count} answering, {subsetSilent.Count} silent) and scaled to 200 by the mean probe time of each kind (answering {answeringMean:0.00} s, silent {silentMean:0.00} s): factor {scale.ToString("0.0", CultureInfo.InvariantCulture)}; measured {new Sample(seconds).Format("0.0", "s")}.");
        }

        private static Sample Of(List<IReadOnlyDictionary<string, double>> runs, string key) => new Sample(runs.Select(r => r[key]));

        private static string Key(PSObject record) => Text(record, "ComputerName") + "," + Text(record, "Port");

        private static string Text(PSObject result, string property) => result.Properties[property]?.Value?.ToString() ?? "?";

        /// <summary>
        /// How many file descriptors this process has open at most, sampled every 100 ms from /proc/self/fd (0 where
        /// there is none). Listing it stats every entry (.NET follows each link to see whether it is a directory), so
        /// every 20 ms it cost the sweep measured a few percent of its CPU (perf).
        /// </summary>
        private sealed class DescriptorWatch : IDisposable
        {
            private readonly Thread _sampler;
            private volatile bool _stop;
            private int _peak;

            public DescriptorWatch()
            {
                _sampler = new Thread(() =>
                {
                    while (!_stop)
                    {
                        _peak = Math.Max(_peak, Count());
                        Thread.Sleep(100);
                    }
                }) { IsBackground = true, Name = "descriptor sampler" };
                _sampler.Start();
            }

            public int Peak()
            {
                Dispose();
                return Math.Max(_peak, Count());
            }

            public void Dispose()
            {
                _stop = true;
                _sampler.Join();
            }

            private static int Count()
            {
                try
                {
                    return Directory.GetFileSystemEntries("/proc/self/fd").Length;
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    return 0;
                }
            }
        }
    }
}
