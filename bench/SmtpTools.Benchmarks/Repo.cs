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

        /// <summary>
        /// The module's assemblies that were compiled without optimizations (a Debug build): build.ps1 and CI build Debug into
        /// the same module folder as the benchmark's Release build, so the last build wins, and figures of a Debug module
        /// measure unoptimized code.
        /// </summary>
        public static string[] UnoptimizedModuleAssemblies() => new[]
            {
                System.IO.Path.Combine(ModuleDirectory, "SmtpTools.dll"),
                System.IO.Path.Combine(ModuleDirectory, "SmtpTools.Contracts.dll"),
                System.IO.Path.Combine(DependencyDirectory, "SmtpTools.Engine.dll"),
            }
            .Where(path => System.IO.File.Exists(path) && OptimizationsDisabled(path))
            .ToArray();

        // DebuggableAttribute(DebuggingModes) with DisableOptimizations (0x100), read from the metadata without loading the assembly.
        private static bool OptimizationsDisabled(string path)
        {
            using var stream = System.IO.File.OpenRead(path);
            using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
            var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
            foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
            {
                var attribute = metadata.GetCustomAttribute(handle);
                if (attribute.Constructor.Kind != System.Reflection.Metadata.HandleKind.MemberReference)
                {
                    continue;
                }

                var constructor = metadata.GetMemberReference((System.Reflection.Metadata.MemberReferenceHandle)attribute.Constructor);
                if (constructor.Parent.Kind != System.Reflection.Metadata.HandleKind.TypeReference
                    || metadata.GetString(metadata.GetTypeReference((System.Reflection.Metadata.TypeReferenceHandle)constructor.Parent).Name) != "DebuggableAttribute")
                {
                    continue;
                }

                var blob = metadata.GetBlobReader(attribute.Value);
                blob.ReadUInt16(); // prolog
                var modes = blob.RemainingBytes >= 4 ? blob.ReadInt32() : 0; // DebuggableAttribute(DebuggingModes)
                return (modes & 0x100) != 0;
            }

            return false;
        }

        private static string Metadata(string key) =>
            typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
    }
}
