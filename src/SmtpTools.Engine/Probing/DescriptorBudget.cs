using System;
using System.IO;
using System.Runtime.InteropServices;

namespace SmtpTools.Probing
{
    /// <summary>
    /// How many sockets this process may still open: the soft RLIMIT_NOFILE (what `ulimit -n` shows; .NET raises it to
    /// the hard limit at start-up) minus the descriptors already open. A sweep caps its concurrency to it up front, so a
    /// low limit slows the sweep (with a warning) instead of failing endpoints with "too many open files".
    /// </summary>
    internal static class DescriptorBudget
    {
        /// <summary>
        /// Sockets one probe may hold at once: the plaintext connection waiting for a greeting, and a second one (a TLS
        /// handshake started in parallel, or the second connection to a late greeter).
        /// </summary>
        public const int SocketsPerProbe = 2;

        /// <summary>Descriptors left for everything else the host process opens meanwhile (files, pipes, its own sockets).</summary>
        public const int Reserve = 64;

        /// <summary>How many descriptors can still be opened; null where there is no such limit (Windows) or it cannot be read.</summary>
        public static long? Available()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return null;
            }

            try
            {
                var resource = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? 7 : 8; // RLIMIT_NOFILE: 7 on Linux, 8 on macOS and the BSDs
                if (getrlimit(resource, out var limit) != 0 || limit.Current > int.MaxValue)
                {
                    return null;
                }

                var open = OpenDescriptors();
                return open == null ? (long?)null : Math.Max(0, (long)limit.Current - open.Value);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is IOException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>
        /// The concurrency a sweep can afford: <paramref name="throttleLimit"/>, or less when <paramref name="available"/>
        /// descriptors cannot hold that many probes; the warning says so and what to do (null when nothing was lowered).
        /// </summary>
        public static int Afford(int throttleLimit, long? available, out string? warning)
        {
            warning = null;
            if (available == null)
            {
                return throttleLimit;
            }

            var affordable = (int)Math.Min(int.MaxValue, Math.Max(1, (available.Value - Reserve) / SocketsPerProbe));
            if (affordable >= throttleLimit)
            {
                return throttleLimit;
            }

            var needed = throttleLimit * SocketsPerProbe + Reserve;
            warning = $"This process can open only {available.Value} more files or sockets, enough for {affordable} probes at once " +
                $"({SocketsPerProbe} sockets each), not -ThrottleLimit {throttleLimit}: the sweep runs {affordable} at a time and takes longer. " +
                $"Raise the limit before starting PowerShell (for example `ulimit -n {RoundUp(needed)}`), or lower -ThrottleLimit.";
            return affordable;
        }

        // A round figure at or above what is needed: 1024, 2048, 4096...
        private static long RoundUp(long needed)
        {
            long figure = 1024;
            while (figure < needed)
            {
                figure *= 2;
            }

            return figure;
        }

        private static int? OpenDescriptors()
        {
            foreach (var directory in new[] { "/proc/self/fd", "/dev/fd" })
            {
                if (Directory.Exists(directory))
                {
                    return Directory.GetFileSystemEntries(directory).Length;
                }
            }

            return null;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct ResourceLimit
        {
            public ulong Current;
            public ulong Maximum;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int getrlimit(int resource, out ResourceLimit limit);
    }
}
