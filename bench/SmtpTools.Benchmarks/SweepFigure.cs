using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Figure 2: Test-SmtpPort over 200 loopback endpoints with -TimeoutSec 2, a quarter of them listeners that accept and
    /// never speak: wall time against one timeout, and against probing one by one (-ThrottleLimit 1).
    /// </summary>
    internal static class SweepFigure
    {
        public const string Name = "2 Sweep";
        private const int Endpoints = 200;
        private const int Silent = 50;
        private const int TimeoutSeconds = 2;

        public static FigureReport Run(ModuleRunspace session, TestServerInfo server, BenchmarkOptions options, Action<string> progress)
        {
            var report = new FigureReport(Name);
            using var endpoints = SweepEndpoints.Create(server, Endpoints - Silent, Silent);
            report.Notes.Add(endpoints.Description);

            // One pipeline of ComputerName/Port records into one Test-SmtpPort: one sweep, as `Import-Csv hosts.csv | Test-SmtpPort` runs.
            (Sample Seconds, IReadOnlyList<PSObject> Last) Sweep(IReadOnlyList<PSObject> records, int? throttleLimit, int repetitions, string label)
            {
                var seconds = new List<double>();
                IReadOnlyList<PSObject> last = Array.Empty<PSObject>();
                var throttle = throttleLimit == null ? string.Empty : $"-ThrottleLimit {throttleLimit}";
                for (var i = 0; i < repetitions; i++)
                {
                    progress($"{Name}: {label}, repetition {i + 1} of {repetitions}");
                    var (output, elapsed) = session.Time($"$args[0] | Test-SmtpPort -TimeoutSec {TimeoutSeconds} -TrustedCertificate $args[1] {throttle}", records, server.CaFile);
                    if (output.Count != records.Count)
                    {
                        throw new InvalidOperationException($"Test-SmtpPort returned {output.Count} results for {records.Count} endpoints.");
                    }

                    seconds.Add(elapsed.TotalSeconds);
                    last = output;
                }

                return (new Sample(seconds), last);
            }

            session.Invoke($"Test-SmtpPort -ComputerName 127.0.0.1 -Port {string.Join(",", server.Ports.Values)} -TimeoutSec {TimeoutSeconds} -TrustedCertificate $args[0]", server.CaFile); // JIT warm-up
            var all = endpoints.Records;
            var measure = $"wall time, {all.Count} endpoints ({Silent} silent), -TimeoutSec {TimeoutSeconds}";
            var (ours, results) = Sweep(all, null, options.Repetitions, $"{all.Count} endpoints, default -ThrottleLimit");
            report.Add(measure, ours.Format("0.00", "s"), $"one timeout: {TimeoutSeconds} s", ours.Median / TimeoutSeconds, Target.AtMost(1.5));
            var (wide, _) = Sweep(all, all.Count, options.Repetitions, $"{all.Count} endpoints, -ThrottleLimit {all.Count}");
            report.Add(measure + $", -ThrottleLimit {all.Count}", wide.Format("0.00", "s"), $"one timeout: {TimeoutSeconds} s", wide.Median / TimeoutSeconds, Target.AtMost(1.5));
            report.Notes.Add("Statuses: " + string.Join(", ", results.GroupBy(r => Text(r, "Status")).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}")) + $" (the forwarded endpoints' certificates do not name 127.0.0.x: a verified probe reports that as TlsFailed).");
            report.Notes.Add($"Probe durations in the default sweep: answering {Durations(results, silent: false, endpoints).Format("0.00", "s")}, silent {Durations(results, silent: true, endpoints).Format("0.00", "s")}.");

            // One by one takes minutes with silent ports: timed on a subset, then scaled by the mean probe time of each kind.
            var subsetAnswering = endpoints.Answering.Take(options.Quick ? 10 : 20).ToList();
            var subsetSilent = endpoints.Silent.Take(options.Quick ? 2 : 5).ToList();
            var subset = subsetAnswering.Concat(subsetSilent).ToList();
            var (sequentialSubset, sequentialResults) = Sweep(subset, 1, options.Quick ? 1 : 2, $"one by one, {subset.Count} endpoints");
            var answeringMean = Durations(sequentialResults, silent: false, endpoints).Values.Average();
            var silentMean = Durations(sequentialResults, silent: true, endpoints).Values.Average();
            var scale = (answeringMean * endpoints.Answering.Count + silentMean * endpoints.Silent.Count) / (answeringMean * subsetAnswering.Count + silentMean * subsetSilent.Count);
            var sequential = sequentialSubset.Select(s => s * scale);
            report.Add(measure, ours.Format("0.00", "s"), $"one by one (-ThrottleLimit 1): {sequential.Format("0", "s")}, extrapolated", ours.Median / sequential.Median, Target.None);
            report.Notes.Add($"One by one was timed on {subset.Count} endpoints ({subsetAnswering.Count} answering: each real port {subsetAnswering.Count / Math.Max(1, server.Ports.Count)} time(s), as in the full set; {subsetSilent.Count} silent) and scaled to 200 by the mean probe time of each kind (answering {answeringMean:0.00} s, silent {silentMean:0.00} s): factor {scale.ToString("0.0", CultureInfo.InvariantCulture)}; measured {sequentialSubset.Format("0.0", "s")}.");
            return report;
        }

        private static Sample Durations(IEnumerable<PSObject> results, bool silent, SweepEndpoints endpoints) =>
            new Sample(results.Where(r => endpoints.IsSilent(Text(r, "ComputerName"), (int)r.Properties["Port"].Value) == silent)
                .Select(r => ((TimeSpan)r.Properties["Duration"].Value).TotalSeconds));

        private static string Text(PSObject result, string property) => result.Properties[property]?.Value?.ToString() ?? "?";
    }
}
