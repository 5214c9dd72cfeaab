using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// This benchmark program started again in a child mode, for figures that need a fresh process (start-up, memory).
    /// The child prints "name=value" lines; anything else it prints is ignored.
    /// </summary>
    internal static class ChildProcess
    {
        public const string Argument = "--child";

        /// <summary>Runs `this-program --child <paramref name="mode"/> args...` and returns its numbers.</summary>
        /// <exception cref="InvalidOperationException">The child failed.</exception>
        public static IReadOnlyDictionary<string, double> Run(string mode, TimeSpan timeout, params string[] args)
        {
            var (program, prefix) = Self();
            var run = ExternalCommand.Run(program, prefix.Concat(new[] { Argument, mode }).Concat(args), timeout);
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException(run.Describe($"The child process '{mode}'"));
            }

            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var line in run.StandardOutput.Split('\n').Select(l => l.Trim()))
            {
                var equals = line.IndexOf('=');
                if (equals > 0 && double.TryParse(line.Substring(equals + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    values[line.Substring(0, equals)] = value;
                }
            }

            return values;
        }

        /// <summary>Prints one result line for the parent.</summary>
        public static void Report(string name, double value) =>
            Console.WriteLine($"{name}={value.ToString("R", CultureInfo.InvariantCulture)}");

        // Started as an apphost (dotnet run, bin/.../SmtpTools.Benchmarks) or as `dotnet SmtpTools.Benchmarks.dll`.
        private static (string Program, string[] Prefix) Self()
        {
            var process = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark cannot find its own executable.");
            var isDotnetHost = Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
            return isDotnetHost ? (process, new[] { typeof(ChildProcess).Assembly.Location }) : (process, Array.Empty<string>());
        }
    }
}
