using System;
using System.Globalization;
using System.IO;
using System.Threading;

namespace SmtpTools.Tests.Reliability
{
    /// <summary>
    /// Where the reliability tests write their figures: one line per scenario in
    /// out/reliability/&lt;test assembly&gt;.tally (or $SMTPTOOLS_RELIABILITY_DIR), started afresh by each test process,
    /// so the file always holds the last run. tests/reliability.sh adds the lines up and prints them.
    /// </summary>
    public static class ReliabilityTally
    {
        private static readonly object Gate = new object();
        private static readonly Lazy<string> File = new Lazy<string>(StartFile, LazyThreadSafetyMode.ExecutionAndPublication);

        /// <summary>The directory the tally files live in.</summary>
        public static string Directory =>
            Environment.GetEnvironmentVariable("SMTPTOOLS_RELIABILITY_DIR") is { Length: > 0 } dir ? dir : Path.Combine(RepoRoot(), "out", "reliability");

        /// <summary>Starts a scenario; dispose it to record it (survived only if <see cref="ReliabilityScenario.Survived"/> was called).</summary>
        public static ReliabilityScenario Scenario(string name) => new ReliabilityScenario(name);

        internal static void Record(ReliabilityScenario scenario)
        {
            var line = string.Format(
                CultureInfo.InvariantCulture,
                "survived={0} leaked={1} lost={2} duplicated={3} badinputs={4} rejected={5} fuzz={6} {7}name={8}",
                scenario.HasSurvived ? 1 : 0, scenario.LeakCount, scenario.LostCount, scenario.DuplicateCount, scenario.BadInputCount, scenario.RejectedBeforeIoCount, scenario.FuzzCaseCount,
                HostileFields(scenario), scenario.Name.Replace('\n', ' '));
            lock (Gate)
            {
                System.IO.File.AppendAllText(File.Value, line + "\n");
            }
        }

        // "certs=1 certsheld=1 bodies=0 ..." in HostileCase order: tests/reliability.sh sums every key=value field.
        private static string HostileFields(ReliabilityScenario scenario)
        {
            var keys = new[] { "certs", "bodies", "bounded", "escapes" };
            var fields = new System.Text.StringBuilder();
            for (var i = 0; i < keys.Length; i++)
            {
                fields.AppendFormat(CultureInfo.InvariantCulture, "{0}={1} {0}held={2} ", keys[i], scenario.HostileTried[i], scenario.HostileHeld[i]);
            }

            return fields.ToString();
        }

        private static string StartFile()
        {
            System.IO.Directory.CreateDirectory(Directory);
            var path = Path.Combine(Directory, typeof(ReliabilityTally).Assembly.GetName().Name + ".tally");
            System.IO.File.WriteAllText(path, string.Empty);
            return path;
        }

        private static string RepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (System.IO.File.Exists(Path.Combine(dir.FullName, "SmtpTools.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("SmtpTools.slnx not found above " + AppContext.BaseDirectory + ": set SMTPTOOLS_RELIABILITY_DIR.");
        }
    }
}
