using System.IO;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// BenchmarkDotNet micro-benchmarks of the engine's per-reply and per-message hot paths (`-- --micro [--filter *Reply*]`).
    /// They run in this process (no generated project to build) against the engine the build put in the module folder.
    /// </summary>
    internal static class MicroBenchmarks
    {
        public static int Run(string[] args)
        {
            EngineAssemblies.ResolveFromModuleFolder();
            var config = DefaultConfig.Instance
                .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
                .AddDiagnoser(MemoryDiagnoser.Default)
                .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "smtptools-bench", "BenchmarkDotNet.Artifacts"));
            BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args.Length == 0 ? new[] { "--filter", "*" } : args, config);
            return 0;
        }
    }
}
