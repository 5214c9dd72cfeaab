using System.Collections.Generic;

namespace SmtpTools.Benchmarks
{
    /// <summary>What one figure measured: its table rows, and notes on how (extrapolations, agreement, findings).</summary>
    internal sealed class FigureReport
    {
        public FigureReport(string name)
        {
            Name = name;
        }

        public string Name { get; }

        public List<FigureRow> Rows { get; } = new List<FigureRow>();

        public List<string> Notes { get; } = new List<string>();

        /// <summary>Adds a row; the target judges <paramref name="judged"/> when given, else the ratio.</summary>
        public FigureRow Add(string measure, string ours, string baseline, double? ratio, Target target, double? judged = null)
        {
            var row = new FigureRow(Name, measure, ours, baseline, ratio, target, judged ?? ratio);
            Rows.Add(row);
            return row;
        }
    }
}
