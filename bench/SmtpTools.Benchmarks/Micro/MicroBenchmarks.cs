using System.IO;
using System.Runtime.Loader;
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
            // This program compiles against the engine and the contracts but does not ship them: they come from the module
            // folder, where the module itself finds them.
            AssemblyLoadContext.Default.Resolving += (context, name) =>
            {
                var path = name.Name switch
                {
                    "SmtpTools.Engine" => Path.Combine(Repo.DependencyDirectory, "SmtpTools.Engine.dll"),
                    "SmtpTools.Contracts" => Path.Combine(Repo.ModuleDirectory, "SmtpTools.Contracts.dll"),
                    _ => null,
                };
                return path != null && File.Exists(path) ? context.LoadFromAssemblyPath(path) : null;
            };
            var config = DefaultConfig.Instance
                .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
                .AddDiagnoser(MemoryDiagnoser.Default)
                .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "smtptools-bench", "BenchmarkDotNet.Artifacts"));
            BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args.Length == 0 ? new[] { "--filter", "*" } : args, config);
            return 0;
        }
    }
}
