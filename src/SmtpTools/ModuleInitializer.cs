using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Makes the module's dependencies (SmtpTools.Engine, MailKit, MimeKit, BouncyCastle) load from the
    /// module's own <c>dependencies</c> folder without clashing with other modules that ship other versions
    /// of the same assemblies. On PowerShell 7 they go into a private AssemblyLoadContext; on Windows
    /// PowerShell 5.1 (no load contexts) an AssemblyResolve handler serves them from that folder.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        internal static readonly string DependencyDirectory = Path.Combine(
            Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? ".", "dependencies");

        private static bool IsNetFramework =>
            RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        /// <inheritdoc />
        public void OnImport()
        {
            if (IsNetFramework)
            {
                DesktopResolver.Register();
            }
            else
            {
                CoreResolver.Register();
            }
        }

        /// <inheritdoc />
        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            if (IsNetFramework)
            {
                DesktopResolver.Unregister();
            }
            else
            {
                CoreResolver.Unregister();
            }
        }

        // Kept in their own classes so the JIT never touches AssemblyLoadContext on .NET Framework.
        private static class CoreResolver
        {
            [MethodImpl(MethodImplOptions.NoInlining)]
            public static void Register() => System.Runtime.Loader.AssemblyLoadContext.Default.Resolving += ModuleLoadContext.ResolveIntoModuleContext;

            [MethodImpl(MethodImplOptions.NoInlining)]
            public static void Unregister() => System.Runtime.Loader.AssemblyLoadContext.Default.Resolving -= ModuleLoadContext.ResolveIntoModuleContext;
        }

        private static class DesktopResolver
        {
            public static void Register() => AppDomain.CurrentDomain.AssemblyResolve += Resolve;

            public static void Unregister() => AppDomain.CurrentDomain.AssemblyResolve -= Resolve;

            private static Assembly? Resolve(object? sender, ResolveEventArgs args)
            {
                var name = new AssemblyName(args.Name).Name;
                if (name is null)
                {
                    return null;
                }

                var path = Path.Combine(DependencyDirectory, name + ".dll");
                return File.Exists(path) ? Assembly.LoadFrom(path) : null;
            }
        }
    }
}
