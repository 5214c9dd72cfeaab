using System;
using System.Globalization;

namespace SmtpTools.Benchmarks
{
    /// <summary>One line of the results table: our figure against one baseline.</summary>
    internal sealed class FigureRow
    {
        public FigureRow(string figure, string measure, string ours, string baseline, double? ratio, Target target, double? judged)
        {
            Figure = figure;
            Measure = measure;
            Ours = ours;
            Baseline = baseline;
            Ratio = ratio;
            Target = target;
            Judged = judged;
        }

        public string Figure { get; }

        public string Measure { get; }

        public string Ours { get; }

        public string Baseline { get; }

        /// <summary>Ours against the baseline, in the direction the target is stated; null when the baseline is missing.</summary>
        public double? Ratio { get; }

        public Target Target { get; }

        /// <summary>The value the target is about: the ratio, or an absolute figure (megabytes of growth).</summary>
        public double? Judged { get; }

        public Verdict Verdict => Target.Judge(Judged);

        /// <summary>"0.94", "48", or "0.021 (1/48)" for small ratios, which read better as fractions.</summary>
        public string RatioText
        {
            get
            {
                if (Ratio is not double ratio)
                {
                    return "-";
                }

                if (ratio >= 10)
                {
                    return ratio.ToString("0", CultureInfo.InvariantCulture);
                }

                var fraction = ratio > 0 ? "1/" + Math.Round(1 / ratio).ToString("0", CultureInfo.InvariantCulture) : "0";
                if (ratio < 0.01)
                {
                    return fraction;
                }

                var text = ratio.ToString(ratio >= 0.1 ? "0.00" : "0.000", CultureInfo.InvariantCulture);
                return ratio < 0.2 ? $"{text} ({fraction})" : text;
            }
        }

        public string VerdictText => Verdict switch
        {
            Verdict.Met => "met",
            Verdict.Missed => "MISSED",
            Verdict.NotMeasured => "not measured",
            _ => "-",
        };
    }
}
