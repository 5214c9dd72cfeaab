using System;
using System.IO;
using System.Linq;
using System.Reflection;

namespace SmtpTools.Module.Tests
{
    /// <summary>Where things are: baked in at build time, so the tests use exactly the module folder the build made.</summary>
    internal static class Repo
    {
        public static string Root { get; } = Metadata("RepoRoot");

        public static string ModuleManifest { get; } = Metadata("ModuleManifest");

        public static string ModuleDirectory => Path.GetDirectoryName(ModuleManifest)!;

        private static string Metadata(string key) =>
            typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
    }
}
