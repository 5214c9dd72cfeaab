using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// The PowerShell Gallery package, packed once per test class exactly as build.ps1 -Task Package packs it
    /// (dotnet pack src/SmtpTools.Package), but from the module folder the tests already built, into a temporary folder;
    /// then opened and extracted there.
    /// </summary>
    public sealed class PackedModule : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "smtptools-pack-" + Guid.NewGuid().ToString("N"));

        public PackedModule()
        {
            Directory.CreateDirectory(_folder);

            // No rebuild: a build would reassemble out/SmtpTools while other test classes import it.
            var pack = ChildProcess.Run(
                "dotnet",
                new[]
                {
                    "pack", Path.Combine(Repo.Root, "src", "SmtpTools.Package", "SmtpTools.Package.csproj"),
                    "-c", Repo.Configuration, "--no-build", "--nologo", "-o", _folder, "-nodeReuse:false", "--disable-build-servers",
                },
                TimeSpan.FromSeconds(120));
            if (pack.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet pack failed (exit {pack.ExitCode}):\n{pack.Output}\n{pack.Errors}");
            }

            PackagePath = Directory.GetFiles(_folder, "*.nupkg").Single();
            using (var package = ZipFile.OpenRead(PackagePath))
            {
                Entries = package.Entries.Select(e => e.FullName).ToArray();
                using var nuspec = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/')).Open();
                Metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            }

            ExtractedDirectory = Path.Combine(_folder, "extracted");
            ZipFile.ExtractToDirectory(PackagePath, ExtractedDirectory);
        }

        public string PackagePath { get; }

        /// <summary>Every entry's path inside the package, with forward slashes.</summary>
        public string[] Entries { get; }

        /// <summary>The nuspec's &lt;metadata&gt; element.</summary>
        public XElement Metadata { get; }

        /// <summary>The package unzipped, as Install-PSResource lays it out (plus NuGet's own files).</summary>
        public string ExtractedDirectory { get; }

        /// <summary>A nuspec metadata value by element name ("id", "version", "tags").</summary>
        public string Nuspec(string element) =>
            Metadata.Elements().SingleOrDefault(e => e.Name.LocalName == element)?.Value ?? throw new Xunit.Sdk.XunitException($"The nuspec has no <{element}>.");

        public void Dispose()
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }
}
