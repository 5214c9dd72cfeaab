namespace SmtpTools.Benchmarks
{
    /// <summary>How a figure stands against its target.</summary>
    internal enum Verdict
    {
        /// <summary>No target: the figure is there to be read.</summary>
        Informational,

        /// <summary>The target is reached.</summary>
        Met,

        /// <summary>The target is not reached.</summary>
        Missed,

        /// <summary>The baseline (or our side) could not be measured in this run.</summary>
        NotMeasured,
    }
}
