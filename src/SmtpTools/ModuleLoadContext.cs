using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace SmtpTools.Commands
{
    /// <summary>
    /// The module's private load context on PowerShell 7: SmtpTools.Engine and the mail libraries it uses live here,
    /// so a session that already loaded another MailKit, MimeKit or BouncyCastle keeps its own and ours keeps working.
    /// The pattern is Microsoft's "Resolving PowerShell module assembly dependency conflicts".
    /// </summary>
    internal sealed class ModuleLoadContext : AssemblyLoadContext
    {
        // Only these load privately; framework assemblies (System.Memory and the like) come from the default context,
        // so types such as Span<T> stay the same type on both sides.
        private static readonly HashSet<string> PrivateAssemblies = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "SmtpTools.Engine", "MailKit", "MimeKit", "BouncyCastle.Cryptography",
            "Microsoft.Identity.Client", "Microsoft.Identity.Client.Extensions.Msal", "Microsoft.IdentityModel.Abstractions", "Google.Apis.Auth", "Google.Apis.Core", "Google.Apis", "Newtonsoft.Json",
        };

        private static readonly Assembly ContractsAssembly = typeof(SmtpPortResult).Assembly;

        private static readonly Lazy<ModuleLoadContext> Instance = new Lazy<ModuleLoadContext>(() => new ModuleLoadContext());

        internal static Assembly? ResolveIntoModuleContext(AssemblyLoadContext defaultContext, AssemblyName name)
        {
            // Only the engine is resolved from the default context; everything it needs follows it into ours.
            return string.Equals(name.Name, "SmtpTools.Engine", StringComparison.OrdinalIgnoreCase)
                ? Instance.Value.LoadFromAssemblyName(name)
                : null;
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // The engine returns SmtpTools.Contracts types to the cmdlets: both must see the default context's copy.
            if (string.Equals(assemblyName.Name, ContractsAssembly.GetName().Name, StringComparison.OrdinalIgnoreCase))
            {
                return ContractsAssembly;
            }

            if (assemblyName.Name is null)
            {
                return null;
            }

            var path = Path.Combine(ModuleInitializer.DependencyDirectory, assemblyName.Name + ".dll");
            if (PrivateAssemblies.Contains(assemblyName.Name))
            {
                return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
            }

            return File.Exists(path) ? DefaultOrShipped(assemblyName, path) : null;
        }

        // The framework's copy wins whenever it satisfies the request, so shared types stay one type. MailKit's and
        // MimeKit's netstandard2.0 builds ask for System.Formats.Asn1 and System.Security.Cryptography.Pkcs 10.0, which
        // .NET 8 and 9 (PowerShell 7.4 and 7.5) have only in older versions, and for Microsoft.Bcl.Cryptography, which no
        // runtime has: then the copy we ship serves this context alone.
        private Assembly DefaultOrShipped(AssemblyName assemblyName, string path)
        {
            try
            {
                return Default.LoadFromAssemblyName(assemblyName);
            }
            catch (Exception e) when (e is FileNotFoundException || e is FileLoadException)
            {
                return LoadFromAssemblyPath(path);
            }
        }
    }
}
