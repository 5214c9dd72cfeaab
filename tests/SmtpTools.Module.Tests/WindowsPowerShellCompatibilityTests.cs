using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// What can be checked here of Windows PowerShell 5.1 (.NET Framework 4.7.2+), which these machines cannot run: the
    /// assemblies the module ships, read as metadata, must find everything they reference in the module folder or in
    /// .NET Framework itself.
    /// </summary>
    public sealed class WindowsPowerShellCompatibilityTests
    {
        // In .NET Framework 4.7.2 (netstandard.dll is its netstandard 2.0 facade) or provided by Windows PowerShell itself.
        private static readonly HashSet<string> InFramework = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "netstandard", "mscorlib", "System", "System.Core", "System.Data.DataSetExtensions", "System.Management.Automation",
            "System.Management", // Google.Apis.Auth: in .NET Framework's GAC (WMI), never shipped

        };

        // PowerShell 7 only: ModuleInitializer reaches it through a nested class that only runs on .NET (Core).
        private const string LoadContexts = "System.Runtime.Loader";

        private static IEnumerable<string> ShippedAssemblies() =>
            Directory.EnumerateFiles(Repo.ModuleDirectory, "*.dll", SearchOption.AllDirectories);

        private static string[] ReferencedAssemblies(string path)
        {
            using var pe = new PEReader(File.OpenRead(path));
            var metadata = pe.GetMetadataReader();
            return metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToArray();
        }

        [Fact]
        public void Every_assembly_a_shipped_DLL_references_is_shipped_too_or_part_of_NET_Framework()
        {
            var shipped = ShippedAssemblies().Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var missing = ShippedAssemblies()
                .SelectMany(path => ReferencedAssemblies(path)
                    .Where(name => !shipped.Contains(name) && !InFramework.Contains(name))
                    .Where(name => !(name == LoadContexts && Path.GetFileName(path) == "SmtpTools.dll"))
                    .Select(name => $"{Path.GetFileName(path)} -> {name}"))
                .ToList();

            // A new dependency needs its DLL (and its own dependencies) in ModuleDependency or ModuleDesktopDependency.
            Assert.Empty(missing);
        }

        [Fact]
        public void No_public_type_of_SmtpTools_dll_derives_from_a_load_context_type()
        {
            // Windows PowerShell finds cmdlets through Assembly.GetExportedTypes: a public type built on
            // AssemblyLoadContext would fail to load there, and with it the whole import.
            using var pe = new PEReader(File.OpenRead(Path.Combine(Repo.ModuleDirectory, "SmtpTools.dll")));
            var metadata = pe.GetMetadataReader();
            var offenders = metadata.TypeDefinitions
                .Select(metadata.GetTypeDefinition)
                .Where(t => (t.Attributes & TypeAttributes.VisibilityMask) == TypeAttributes.Public)
                .Where(t => new[] { t.BaseType }.Concat(t.GetInterfaceImplementations().Select(i => metadata.GetInterfaceImplementation(i).Interface))
                    .Any(h => ComesFrom(metadata, h, LoadContexts)))
                .Select(t => metadata.GetString(t.Name))
                .ToList();

            Assert.Empty(offenders);
        }

        private static bool ComesFrom(MetadataReader metadata, EntityHandle type, string assembly)
        {
            if (type.IsNil || type.Kind != HandleKind.TypeReference)
            {
                return false;
            }

            var scope = metadata.GetTypeReference((TypeReferenceHandle)type).ResolutionScope;
            return scope.Kind == HandleKind.AssemblyReference
                && metadata.GetString(metadata.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) == assembly;
        }
    }
}
