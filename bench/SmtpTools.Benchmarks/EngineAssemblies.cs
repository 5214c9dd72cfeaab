using System.IO;
using System.Runtime.Loader;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// This program compiles against SmtpTools.Engine and SmtpTools.Contracts but does not ship them. The modes that call
    /// the engine directly (micro-benchmarks, the engine-only send) load them from the module folder, where the module
    /// finds them; such a process never imports the module too (it would then share this copy instead of its own).
    /// </summary>
    internal static class EngineAssemblies
    {
        public static void ResolveFromModuleFolder()
        {
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
        }
    }
}
