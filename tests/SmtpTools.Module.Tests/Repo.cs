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

        /// <summary>The build configuration the tests were built in (Debug or Release).</summary>
        public static string Configuration { get; } = Metadata("Configuration");

        /// <summary>The stand-ins for another module's MailKit, MimeKit and BouncyCastle.Cryptography (version 1.0.0).</summary>
        public static string[] ConflictingAssemblies { get; } = Metadata("ConflictingAssemblies").Split(';');

        private static string Metadata(string key) =>
            typeof(Repo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
    }
}
