using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace SmtpTools.Module.Tests
{
    /// <summary>A program the tests run to its end (bounded): the test server script, dotnet pack, real pwsh.</summary>
    public sealed class ChildProcess
    {
        private ChildProcess(int exitCode, string output, string errors)
        {
            ExitCode = exitCode;
            Output = output;
            Errors = errors;
        }

        public int ExitCode { get; }

        /// <summary>Everything it wrote to standard output.</summary>
        public string Output { get; }

        /// <summary>Everything it wrote to standard error.</summary>
        public string Errors { get; }

        /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> (passed as they are, no shell quoting);
        /// kills it and throws <see cref="TimeoutException"/> if it has not ended within <paramref name="timeout"/>.</summary>
        /// <param name="workingDirectory">Where it runs; the test's own directory when null.</param>
        public static ChildProcess Run(string program, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
        {
            var start = new ProcessStartInfo(program)
            {
                WorkingDirectory = workingDirectory ?? string.Empty,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(" ", start.ArgumentList)} did not end within {timeout.TotalSeconds:0} s.");
            }

            return new ChildProcess(process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
