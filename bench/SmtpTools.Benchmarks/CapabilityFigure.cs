using System;

namespace SmtpTools.Benchmarks
{
    /// <summary>Figure 3: Get-SmtpCapability with TLS-version enumeration against testssl.sh on the relay port.</summary>
    internal static class CapabilityFigure
    {
        public const string Name = "3 Capability audit";

        public static FigureReport Run(ModuleRunspace session, TestServerInfo server, BenchmarkOptions options, Action<string> progress)
        {
            var report = new FigureReport(Name);
            report.Add("Get-SmtpCapability", "not in this build", "-", null, Target.AtMost(1.0 / 30, "1/30"));
            return report;
        }
    }
}
