using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SmtpTools.Benchmarks
{
    /// <summary>Repeated measurements of one quantity: median and spread (min-max).</summary>
    internal sealed class Sample
    {
        public Sample(IEnumerable<double> values)
        {
            Values = values.OrderBy(v => v).ToList();
            if (Values.Count == 0)
            {
                throw new ArgumentException("A sample needs at least one value.", nameof(values));
            }
        }

        public IReadOnlyList<double> Values { get; }

        public double Min => Values[0];

        public double Max => Values[Values.Count - 1];

        public double Median => Values.Count % 2 == 1
            ? Values[Values.Count / 2]
            : (Values[Values.Count / 2 - 1] + Values[Values.Count / 2]) / 2;

        /// <summary>"412 (398-420)": the median, then the spread; one value alone has no spread.</summary>
        public string Format(string numberFormat, string unit = "")
        {
            var suffix = unit.Length > 0 ? " " + unit : string.Empty;
            var median = Median.ToString(numberFormat, CultureInfo.InvariantCulture);
            return Values.Count == 1
                ? median + suffix
                : $"{median}{suffix} ({Min.ToString(numberFormat, CultureInfo.InvariantCulture)}-{Max.ToString(numberFormat, CultureInfo.InvariantCulture)}, n={Values.Count})";
        }

        /// <summary>Each value transformed (seconds to messages per second, and the like).</summary>
        public Sample Select(Func<double, double> transform) => new Sample(Values.Select(transform));
    }
}
