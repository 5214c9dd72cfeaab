using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Where a machine's CPU went while a child ran (Linux /proc; zeros elsewhere): the whole machine, this process
    /// (the sweep's forwarders and silent listeners live here) and the test server's Postfix (its master process, the
    /// daemons it runs, and those that exited meanwhile, which the kernel adds to the master's children's time).
    /// </summary>
    internal readonly struct CpuAccount
    {
        private const double TicksPerSecond = 100; // USER_HZ

        private CpuAccount(double machine, double self, double postfix)
        {
            Machine = machine;
            Self = self;
            Postfix = postfix;
        }

        public double Machine { get; }

        public double Self { get; }

        public double Postfix { get; }

        public static CpuAccount Now()
        {
            try
            {
                var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
                var busy = new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => long.Parse(cpu[i], CultureInfo.InvariantCulture));
                return new CpuAccount(busy / TicksPerSecond, System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, PostfixSeconds());
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FormatException || e is IndexOutOfRangeException || e is InvalidOperationException)
            {
                return default;
            }
        }

        public static CpuAccount operator -(CpuAccount after, CpuAccount before) =>
            new CpuAccount(after.Machine - before.Machine, after.Self - before.Self, after.Postfix - before.Postfix);

        /// <summary>
        /// How many smtpd processes the test server's Postfix runs now (busy or idle); null when this process cannot find
        /// its master (not Linux, or another user's /proc).
        /// </summary>
        public static int? PostfixSmtpdProcesses()
        {
            var (master, processes) = PostfixMaster();
            return master == null ? null : processes.Count(pid => Read(pid, "comm").Trim() == "smtpd" && ParentOf(pid) == master);
        }

        // The master of this test server, and every process of the machine: the master is the one whose MAIL_CONFIG is
        // the server's postfix directory (its pid file is locked, and .NET will not read a file another process holds a lock on).
        private static (string? Master, System.Collections.Generic.List<string> Processes) PostfixMaster()
        {
            var config = "MAIL_CONFIG=" + Path.Combine(Path.GetDirectoryName(TestServerInfo.StateFile)!, "postfix") + "\0";
            var processes = Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)).Where(n => n.All(char.IsDigit)).ToList();
            return (processes.FirstOrDefault(pid => Read(pid, "comm").Trim() == "master" && (Read(pid, "environ") + "\0").Contains(config)), processes);
        }

        // The fields of /proc/PID/stat after the command's closing parenthesis (state, parent, ...); null when it is gone.
        private static string[]? StatFields(string pid)
        {
            var stat = Read(pid, "stat");
            var close = stat.LastIndexOf(')');
            return close < 0 ? null : stat.Substring(close + 2).Split(' ');
        }

        private static string? ParentOf(string pid) => StatFields(pid) is { Length: > 1 } fields ? fields[1] : null;

        private static double PostfixSeconds()
        {
            var (master, processes) = PostfixMaster();
            if (master == null)
            {
                return 0;
            }

            long ticks = 0;
            foreach (var pid in processes)
            {
                if (StatFields(pid) is not { Length: > 14 } fields)
                {
                    continue; // gone meanwhile
                }

                if (pid == master)
                {
                    ticks += Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture)); // utime stime cutime cstime
                }
                else if (fields[1] == master)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }

            return ticks / TicksPerSecond;
        }

        private static string Read(string pid, string file)
        {
            try
            {
                return File.ReadAllText(Path.Combine("/proc", pid, file));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return string.Empty;
            }
        }
    }
}
