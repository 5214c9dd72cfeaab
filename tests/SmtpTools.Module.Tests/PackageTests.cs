using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>The .nupkg that goes to the PowerShell Gallery: the module folder at its root, the Gallery's tags, nothing more.</summary>
    public sealed class PackageTests : IClassFixture<PackedModule>, IClassFixture<ModuleFixture>
    {
        // NuGet's own files in every package.
        private static readonly string[] PackagingEntries = { "_rels/.rels", "[Content_Types].xml", "SmtpTools.nuspec" };

        private readonly PackedModule _package;
        private readonly ModuleFixture _fixture;
        private readonly ModuleManifestData _manifest = ModuleManifestData.Read(Repo.ModuleManifest);

        public PackageTests(PackedModule package, ModuleFixture fixture)
        {
            _package = package;
            _fixture = fixture;
        }

        private string[] Tags => _package.Nuspec("tags").Split(' ', StringSplitOptions.RemoveEmptyEntries);

        private static string VersionInDirectoryBuildProps() =>
            XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props")).Descendants("Version").Select(v => v.Value).Single();

        [Fact]
        public void Package_id_is_the_module_name()
        {
            Assert.Equal("SmtpTools", _package.Nuspec("id"));
            Assert.Equal("SmtpTools.psd1", Path.GetFileName(Repo.ModuleManifest));
        }

        [Fact]
        public void Package_version_is_the_manifest_version_is_the_one_in_Directory_Build_props()
        {
            Assert.Equal(VersionInDirectoryBuildProps(), _manifest.Text("ModuleVersion"));
            Assert.Equal(VersionInDirectoryBuildProps(), _package.Nuspec("version"));
        }

        [Theory]
        [InlineData("PSModule")]
        [InlineData("PSIncludes_Cmdlet")]
        public void Tags_mark_a_PowerShell_module_that_contains_cmdlets(string tag)
        {
            Assert.Contains(tag, Tags);
        }

        [Fact]
        public void Tags_name_every_cmdlet_the_manifest_exports()
        {
            var cmdlets = _manifest.Texts("CmdletsToExport");

            Assert.NotEmpty(cmdlets);
            Assert.All(cmdlets, name => Assert.Contains("PSCmdlet_" + name, Tags));
            Assert.All(cmdlets, name => Assert.Contains("PSCommand_" + name, Tags));
        }

        [Fact]
        public void Tags_name_no_cmdlet_the_manifest_does_not_export()
        {
            var cmdlets = _manifest.Texts("CmdletsToExport");

            Assert.All(Tags.Where(t => t.StartsWith("PSCmdlet_", StringComparison.Ordinal)), tag => Assert.Contains(tag["PSCmdlet_".Length..], cmdlets));
        }

        [Fact]
        public void Tags_carry_every_Gallery_tag_of_the_manifest()
        {
            Assert.All(_manifest.Texts("PrivateData.PSData.Tags"), tag => Assert.Contains(tag, Tags));
        }

        [Fact]
        public void Description_and_project_link_are_the_manifest_s()
        {
            Assert.Equal(_manifest.Text("Description"), _package.Nuspec("description"));
            Assert.Equal(_manifest.Text("PrivateData.PSData.ProjectUri"), _package.Nuspec("projectUrl"));
        }

        [Theory]
        [InlineData("SmtpTools.psd1")]
        [InlineData("SmtpTools.dll")]
        [InlineData("SmtpTools.Format.ps1xml")]
        [InlineData("SmtpTools.Types.ps1xml")]
        [InlineData("LICENSE.txt")]
        [InlineData("en-US/about_SmtpTools.help.txt")]
        [InlineData("dependencies/SmtpTools.Engine.dll")]
        [InlineData("dependencies/MailKit.dll")]
        [InlineData("dependencies/MimeKit.dll")]
        [InlineData("dependencies/BouncyCastle.Cryptography.dll")]
        public void Module_files_sit_at_the_package_root(string path)
        {
            Assert.Contains(path, _package.Entries);
        }

        [Fact]
        public void Package_holds_exactly_the_built_module_folder()
        {
            var built = Directory.EnumerateFiles(Repo.ModuleDirectory, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Repo.ModuleDirectory, f).Replace('\\', '/'))
                .OrderBy(p => p, StringComparer.Ordinal);
            var packed = _package.Entries
                .Where(e => !PackagingEntries.Contains(e) && !e.StartsWith("package/", StringComparison.Ordinal))
                .OrderBy(p => p, StringComparer.Ordinal);

            Assert.Equal(built, packed);
        }

        [Fact]
        public void Package_never_ships_the_PowerShell_engine()
        {
            Assert.DoesNotContain(_package.Entries, e => e.EndsWith("System.Management.Automation.dll", StringComparison.OrdinalIgnoreCase));
        }

        [Fact]
        public void Packed_manifest_passes_Test_ModuleManifest_after_extraction()
        {
            var run = _fixture.PowerShell.Run(
                "Test-ModuleManifest -Path $args[0] -ErrorAction Stop", Path.Combine(_package.ExtractedDirectory, "SmtpTools.psd1"));

            Assert.Null(run.Terminating);
            Assert.Empty(run.Errors);
            var manifest = Assert.Single(run.Output);
            Assert.Equal(VersionInDirectoryBuildProps(), manifest.Text("Version"));
            Assert.Equal("SmtpTools.dll", manifest.Text("RootModule"));
        }
    }
}
