using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace SmtpTools.Benchmarks
{
    /// <summary>The results as one markdown table (one row per figure and baseline) with each figure's notes below it.</summary>
    internal static class ResultTable
    {
        private static readonly string[] Headers = { "Figure", "Measure", "Ours", "Baseline", "Ratio", "Target", "Result" };

        /// <summary>The table with columns padded, readable as plain text and valid markdown.</summary>
        public static string Render(IReadOnlyList<FigureReport> reports)
        {
            var rows = reports.SelectMany(r => r.Rows)
                .Select(r => new[] { r.Figure, r.Measure, r.Ours, r.Baseline, r.RatioText, r.Target.ToString(), r.VerdictText })
                .ToList();
            var widths = Headers.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
            var text = new StringBuilder();
            text.AppendLine(Line(Headers, widths));
            text.AppendLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
            foreach (var row in rows)
            {
                text.AppendLine(Line(row, widths));
            }

            return text.ToString();
        }

        /// <summary>Every figure's notes, under its name.</summary>
        public static string RenderNotes(IReadOnlyList<FigureReport> reports)
        {
            var text = new StringBuilder();
            foreach (var report in reports.Where(r => r.Notes.Count > 0))
            {
                text.AppendLine($"{report.Name}:");
                foreach (var note in report.Notes)
                {
                    text.AppendLine("- " + note);
                }

                text.AppendLine();
            }

            return text.ToString();
        }

        /// <summary>The results file: how it was measured, the table, the notes.</summary>
        public static string Markdown(IReadOnlyList<FigureReport> reports, string commandLine, TimeSpan duration)
        {
            var text = new StringBuilder();
            text.AppendLine($"# SmtpTools benchmarks, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
            text.AppendLine();
            text.AppendLine($"`{commandLine}` on {MachineDescription()}, commit {GitCommit()}; whole run {duration.TotalSeconds:0} s.");
            text.AppendLine("Ours and the baselines run interleaved in the same run against the local test server (tests/server); values are the median with the spread (min-max) over n repetitions.");
            text.AppendLine();
            text.Append(Render(reports));
            text.AppendLine();
            text.Append(RenderNotes(reports));
            return text.ToString();
        }

        public static string MachineDescription() =>
            $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {CpuReference.Value}";

        // A CPU speed reference to compare runs by (the same machine was 1.4 times slower on some days: Postfix's CPU for
        // the same sweep rose with ours); measured once per run.
        private static readonly Lazy<string> CpuReference = new Lazy<string>(() =>
        {
            var openssl = ExternalCommand.Find("openssl");
            if (openssl == null)
            {
                return "no CPU reference (openssl not found)";
            }

            var speed = ExternalCommand.Run(openssl, new[] { "speed", "-seconds", "1", "rsa2048" }, TimeSpan.FromSeconds(30));
            var match = System.Text.RegularExpressions.Regex.Match(speed.StandardOutput, @"^rsa 2048 bits\s+\S+\s+\S+\s+([\d.]+)", System.Text.RegularExpressions.RegexOptions.Multiline);
            return match.Success ? $"CPU reference: openssl speed rsa2048, {match.Groups[1].Value} signs/s on one core" : "no CPU reference (openssl speed gave no figure)";
        });

        private static string GitCommit()
        {
            var git = ExternalCommand.Run("git", new[] { "-C", Repo.Root, "rev-parse", "--short", "HEAD" }, TimeSpan.FromSeconds(10));
            return git.ExitCode == 0 ? git.StandardOutput.Trim() : "unknown";
        }

        private static string Line(IReadOnlyList<string> cells, IReadOnlyList<int> widths) =>
            "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";
    }
}
