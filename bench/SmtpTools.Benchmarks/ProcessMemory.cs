using System;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// This process's working set (resident memory): current, and the peak since <see cref="StartWatching"/>, sampled
    /// every few milliseconds and, on Linux, also read from the kernel's high-water mark (VmHWM, reset through
    /// /proc/self/clear_refs) so a spike between two samples is not missed.
    /// </summary>
    internal sealed class ProcessMemory : IDisposable
    {
        private const double Megabyte = 1024 * 1024;
        private readonly Thread _sampler;
        private readonly bool _kernelPeakReset;
        private volatile bool _stop;
        private long _sampledPeak;
        private long _anonAtPeak;
        private long _fileAtPeak;
        private long _gcPeak;
        private long _threadsPeak;

        private ProcessMemory()
        {
            _kernelPeakReset = TryResetKernelPeak();
            _sampledPeak = CurrentBytes();
            _sampler = new Thread(Sample) { IsBackground = true, Name = "working-set sampler" };
            _sampler.Start();
        }

        /// <summary>The working set now, in MB, after a full garbage collection (what stays, not what waits to be collected).</summary>
        public static double SettledMegabytes()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Thread.Sleep(200);
            return CurrentBytes() / Megabyte;
        }

        /// <summary>The anonymous part of the working set now (heaps, stacks), in MB; 0 where there is no procfs.</summary>
        public static double AnonymousMegabytes() => (ReadStatus("RssAnon:") ?? 0) / Megabyte;

        /// <summary>Starts tracking the peak from now.</summary>
        public static ProcessMemory StartWatching() => new ProcessMemory();

        /// <summary>The highest working set seen since <see cref="StartWatching"/>, in MB.</summary>
        public double PeakMegabytes()
        {
            _stop = true;
            _sampler.Join();
            var peak = Math.Max(_sampledPeak, CurrentBytes());
            if (_kernelPeakReset && ReadStatus("VmHWM:") is long kernelPeak)
            {
                peak = Math.Max(peak, kernelPeak);
            }

            return peak / Megabyte;
        }

        /// <summary>Whether the kernel's own high-water mark was part of the peak (else sampling alone).</summary>
        public bool KernelPeak => _kernelPeakReset;

        public void Dispose()
        {
            _stop = true;
            _sampler.Join();
        }

        /// <summary>At the sampled peak: its anonymous part (heaps, stacks), in MB (0 where there is no procfs).</summary>
        public double AnonymousAtPeakMegabytes => _anonAtPeak / Megabyte;

        /// <summary>At the sampled peak: its file-backed part (mapped assemblies and libraries), in MB.</summary>
        public double FileAtPeakMegabytes => _fileAtPeak / Megabyte;

        /// <summary>The largest managed heap seen (GC.GetTotalMemory without collecting: live and not yet collected), in MB.</summary>
        public double ManagedPeakMegabytes => _gcPeak / Megabyte;

        /// <summary>The most threads seen.</summary>
        public long ThreadsPeak => _threadsPeak;

        // One read of /proc/self/status per sample (each read makes the kernel format the whole file): every 5 ms,
        // about 4 ms of CPU a second in the process measured.
        private void Sample()
        {
            var fields = new[] { "VmRSS:", "RssAnon:", "RssFile:", "Threads:" };
            var values = new long?[fields.Length];
            while (!_stop)
            {
                ReadStatus(fields, values);
                var now = values[0] ?? Process.GetCurrentProcess().WorkingSet64;
                if (now > _sampledPeak)
                {
                    _sampledPeak = now;
                    _anonAtPeak = values[1] ?? 0;
                    _fileAtPeak = values[2] ?? 0;
                }

                _gcPeak = Math.Max(_gcPeak, GC.GetTotalMemory(false));
                _threadsPeak = Math.Max(_threadsPeak, (values[3] ?? 0) / 1024); // a count, not kB
                Thread.Sleep(5);
            }
        }

        private static long CurrentBytes() => ReadStatus("VmRSS:") ?? Process.GetCurrentProcess().WorkingSet64;

        // "VmRSS:     123456 kB" in /proc/self/status; null where there is no procfs.
        private static long? ReadStatus(string field)
        {
            var values = new long?[1];
            ReadStatus(new[] { field }, values);
            return values[0];
        }

        // Several fields of /proc/self/status in one read, times 1024 (the file gives kB); null where absent.
        private static void ReadStatus(string[] fields, long?[] values)
        {
            Array.Clear(values, 0, values.Length);
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    for (var i = 0; i < fields.Length; i++)
                    {
                        if (line.StartsWith(fields[i], StringComparison.Ordinal))
                        {
                            var parts = line.Substring(fields[i].Length).Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                            values[i] = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }
        }

        // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0 and later).
        private static bool TryResetKernelPeak()
        {
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
                return ReadStatus("VmHWM:") != null;
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}
