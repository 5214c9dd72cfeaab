using System.Linq;
using System.Reflection;

namespace SmtpTools.Benchmarks
{
    /// <summary>Where things are: baked in at build time, so the benchmarks import exactly the module folder the build made.</summary>
    internal static class Repo
    {
        public static string Root { get; } = Metadata("RepoRoot");

        public static string ModuleManifest { get; } = Metadata("ModuleManifest");

        public static string ModuleDirectory => System.IO.Path.GetDirectoryName(ModuleManifest)!;

        public static string DependencyDirectory => System.IO.Path.Combine(ModuleDirectory, "dependencies");

        private static string Metadata(string key) =>
            typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
    }
}
