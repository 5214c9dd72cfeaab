using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Figure 6: how long Test-SmtpPort needs to find that the submissions port speaks implicit TLS, against the time
    /// `openssl s_client -connect 127.0.0.1:PORT -quiet` takes from its start to the 220 greeting inside TLS (connect,
    /// handshake, greeting: the least any client can do), alternating, on the same port in the same run.
    /// </summary>
    internal static class DetectionFigure
    {
        public const string Name = "6 Detection";
        private static readonly Target TimeTarget = Target.AtMost(2);

        public static FigureReport Run(ModuleRunspace session, TestServerInfo server, BenchmarkOptions options, Action<string> progress)
        {
            var report = new FigureReport(Name);
            var port = server.Ports["submissions"];
            const string Script = "Test-SmtpPort -ComputerName 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 10";
            session.Invoke(Script, port, server.CaFile); // JIT warm-up
            var openssl = ExternalCommand.Find("openssl");
            var repetitions = options.Quick ? 9 : 21;
            var wall = new List<double>();
            var durations = new List<double>();
            var baseline = new List<double>();
            string? security = null;
            for (var i = 0; i < repetitions; i++)
            {
                progress($"{Name}: Test-SmtpPort and openssl s_client, repetition {i + 1} of {repetitions}");
                var (output, elapsed) = session.Time(Script, port, server.CaFile);
                var result = output.Single();
                security = result.Properties["Security"].Value?.ToString();
                wall.Add(elapsed.TotalMilliseconds);
                durations.Add(((TimeSpan)result.Properties["Duration"].Value).TotalMilliseconds);
                if (openssl != null)
                {
                    baseline.Add(OpensslTimeToGreeting(openssl, port).TotalMilliseconds);
                }
            }

            if (security != "ImplicitTls")
            {
                throw new InvalidOperationException($"Test-SmtpPort found {security} on the submissions port 127.0.0.1:{port}, not ImplicitTls.");
            }

            var ours = new Sample(wall);
            var engine = new Sample(durations);
            var measure = $"127.0.0.1:{port} (implicit TLS) found, ms";
            if (openssl == null)
            {
                report.Add(measure, ours.Format("0", "ms"), "openssl: not installed", null, TimeTarget);
                return report;
            }

            var theirs = new Sample(baseline);
            var theirsText = "openssl s_client -quiet, start to 220 greeting: " + theirs.Format("0", "ms");
            report.Add(measure + ": Test-SmtpPort, wall time", ours.Format("0", "ms"), theirsText, ours.Median / theirs.Median, TimeTarget);
            report.Add(measure + ": the probe's Duration (connect to QUIT)", engine.Format("0", "ms"), theirsText, engine.Median / theirs.Median, TimeTarget);
            report.Notes.Add("Test-SmtpPort runs in this process (module imported, warm) and goes on past the greeting (EHLO, QUIT); openssl is a fresh process each time, timed from its start to the first line of the greeting, then killed. They alternate.");
            report.Notes.Add("Before the second-connection detection (issue 18), Test-SmtpPort waited 1 s for a clear greeting first: about 1,050 ms here.");
            return report;
        }

        // From starting `openssl s_client -connect 127.0.0.1:PORT -quiet` to the "220 " line on its output.
        private static TimeSpan OpensslTimeToGreeting(string openssl, int port)
        {
            var start = new ProcessStartInfo(openssl)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "s_client", "-connect", $"127.0.0.1:{port}", "-quiet" })
            {
                start.ArgumentList.Add(argument);
            }

            var watch = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start.");
            _ = process.StandardError.ReadToEndAsync();
            try
            {
                var read = Task.Run(() =>
                {
                    string? line;
                    while ((line = process.StandardOutput.ReadLine()) != null)
                    {
                        if (line.StartsWith("220", StringComparison.Ordinal))
                        {
                            return watch.Elapsed;
                        }
                    }

                    throw new InvalidOperationException($"openssl s_client -connect 127.0.0.1:{port} ended without a 220 greeting.");
                });
                if (!read.Wait(TimeSpan.FromSeconds(10)))
                {
                    throw new InvalidOperationException($"openssl s_client -connect 127.0.0.1:{port} got no greeting within 10 s.");
                }

                return read.Result;
            }
            finally
            {
                try
                {
                    process.Kill();
                    process.WaitForExit(5000);
                }
                catch (InvalidOperationException)
                {
                    // already gone
                }
            }
        }
    }
}
