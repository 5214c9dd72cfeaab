using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace SmtpTools.Benchmarks
{
    /// <summary>Runs another program (a baseline tool, or this benchmark in a child mode) with a time limit.</summary>
    internal sealed class ExternalCommand
    {
        private ExternalCommand(int exitCode, string standardOutput, string standardError, TimeSpan elapsed, bool timedOut)
        {
            ExitCode = exitCode;
            StandardOutput = standardOutput;
            StandardError = standardError;
            Elapsed = elapsed;
            TimedOut = timedOut;
        }

        public int ExitCode { get; }

        public string StandardOutput { get; }

        public string StandardError { get; }

        /// <summary>From starting the process to its exit: what a script that calls the tool waits.</summary>
        public TimeSpan Elapsed { get; }

        public bool TimedOut { get; }

        /// <summary>The full path of <paramref name="name"/> on PATH, or null when it is not installed.</summary>
        public static string? Find(string name)
        {
            foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
            {
                var candidate = Path.Combine(directory, name);
                if (directory.Length > 0 && File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return null;
        }

        /// <summary>Runs the program and waits for it; a program still running at <paramref name="timeout"/> is killed.</summary>
        public static ExternalCommand Run(string fileName, IEnumerable<string> arguments, TimeSpan timeout, IDictionary<string, string>? environment = null)
        {
            var start = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var pair in environment ?? new Dictionary<string, string>())
            {
                start.Environment[pair.Key] = pair.Value;
            }

            var watch = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            var timedOut = !process.WaitForExit((int)timeout.TotalMilliseconds);
            if (timedOut)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            else
            {
                process.WaitForExit(); // drains the redirected streams
            }

            var elapsed = watch.Elapsed;
            return new ExternalCommand(timedOut ? -1 : process.ExitCode, output.Result, error.Result, elapsed, timedOut);
        }

        /// <summary>Why it failed, for an error message: exit code and the last lines it wrote.</summary>
        public string Describe(string what)
        {
            var tail = string.Join(" | ", (StandardError + "\n" + StandardOutput).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).TakeLast(5));
            return TimedOut ? $"{what} did not finish in time" : $"{what} exited {ExitCode}: {tail}";
        }
    }
}
