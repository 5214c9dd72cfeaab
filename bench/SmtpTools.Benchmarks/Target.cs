using System.Globalization;

namespace SmtpTools.Benchmarks
{
    /// <summary>What a ratio must reach: at least or at most a bound, or nothing (a figure reported for information).</summary>
    internal sealed class Target
    {
        private readonly double? _atLeast;
        private readonly double? _atMost;
        private readonly string _text;

        private Target(double? atLeast, double? atMost, string text)
        {
            _atLeast = atLeast;
            _atMost = atMost;
            _text = text;
        }

        public static Target None { get; } = new Target(null, null, "-");

        /// <summary>Two tools' answers must be the same: judged on 1 (same) or 0 (different).</summary>
        public static Target Agreement { get; } = new Target(1, null, "agree");

        public static Target AtLeast(double bound, string? text = null) => new Target(bound, null, ">= " + (text ?? Number(bound)));

        public static Target AtMost(double bound, string? text = null) => new Target(null, bound, "<= " + (text ?? Number(bound)));

        public Verdict Judge(double? value)
        {
            if (_atLeast == null && _atMost == null)
            {
                return Verdict.Informational;
            }

            if (value == null)
            {
                return Verdict.NotMeasured;
            }

            return (_atLeast == null || value >= _atLeast) && (_atMost == null || value <= _atMost) ? Verdict.Met : Verdict.Missed;
        }

        public override string ToString() => _text;

        private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
    }
}
