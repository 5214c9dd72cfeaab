using System;
using System.IO;
using System.Linq;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>The built manifest says everything PowerShell and the Gallery need, and nothing it does not ship.</summary>
    public sealed class ModuleManifestTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;
        private readonly ModuleManifestData _manifest = ModuleManifestData.Read(Repo.ModuleManifest);

        public ModuleManifestTests(ModuleFixture fixture) => _fixture = fixture;

        /// <summary>Verb-Noun of every public type in SmtpTools.dll that carries a [Cmdlet] attribute.</summary>
        private string[] CmdletsTheAssemblyDefines()
        {
            var run = _fixture.PowerShell.Run(
                "$assembly = @(Get-Command -Module SmtpTools -CommandType Cmdlet)[0].ImplementingType.Assembly; " +
                "$assembly.GetExportedTypes() | ForEach-Object { " +
                "  foreach ($cmdlet in $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)) { $cmdlet.VerbName + '-' + $cmdlet.NounName } }");
            Assert.Empty(run.Errors);
            Assert.Null(run.Terminating);
            return run.Output.Select(o => o.ToString()).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        }

        [Fact]
        public void Every_cmdlet_the_assembly_defines_is_exported_by_the_manifest()
        {
            var exported = _manifest.Texts("CmdletsToExport");

            Assert.NotEmpty(CmdletsTheAssemblyDefines());
            Assert.All(CmdletsTheAssemblyDefines(), name => Assert.Contains(name, exported));
        }

        [Fact]
        public void Every_cmdlet_the_manifest_exports_is_defined_by_the_assembly()
        {
            var defined = CmdletsTheAssemblyDefines();

            Assert.All(_manifest.Texts("CmdletsToExport"), name => Assert.Contains(name, defined));
        }

        [Fact]
        public void Manifest_exports_no_functions_variables_or_aliases_and_no_wildcards()
        {
            // Explicit empty lists keep module discovery from loading the assembly to find out.
            Assert.Empty(_manifest.Texts("FunctionsToExport"));
            Assert.Empty(_manifest.Texts("VariablesToExport"));
            Assert.Empty(_manifest.Texts("AliasesToExport"));
            Assert.DoesNotContain(_manifest.Texts("CmdletsToExport"), name => name.Contains('*'));
        }

        [Fact]
        public void Manifest_loads_the_format_file_the_module_ships()
        {
            Assert.Equal(new[] { "SmtpTools.Format.ps1xml" }, _manifest.Texts("FormatsToProcess"));
            Assert.True(File.Exists(Path.Combine(Repo.ModuleDirectory, "SmtpTools.Format.ps1xml")));

            var run = _fixture.PowerShell.Run("(Get-Module -Name SmtpTools).ExportedFormatFiles | ForEach-Object { [System.IO.Path]::GetFileName($_) }");
            Assert.Equal(new[] { "SmtpTools.Format.ps1xml" }, run.Output.Select(o => o.ToString()).ToArray());
        }

        [Fact]
        public void Manifest_loads_the_type_data_the_module_ships()
        {
            Assert.Equal(new[] { "SmtpTools.Types.ps1xml" }, _manifest.Texts("TypesToProcess"));
            Assert.True(File.Exists(Path.Combine(Repo.ModuleDirectory, "SmtpTools.Types.ps1xml")));

            var run = _fixture.PowerShell.Run("(Get-TypeData -TypeName SmtpTools.SmtpPortResult).SerializationDepth");
            Assert.Equal("2", run.Output.Single().ToString());
        }

        [Fact]
        public void Manifest_requires_NET_Framework_4_7_2_on_Windows_PowerShell()
        {
            Assert.Equal("4.7.2", _manifest.Text("DotNetFrameworkVersion"));
        }

        [Theory]
        [InlineData("PSEdition_Core")]
        [InlineData("PSEdition_Desktop")]
        [InlineData("Windows")]
        [InlineData("Linux")]
        [InlineData("MacOS")]
        [InlineData("SMTP")]
        [InlineData("TLS")]
        public void Gallery_tags_name_the_editions_the_platforms_and_the_subject(string tag)
        {
            Assert.Contains(tag, _manifest.Texts("PrivateData.PSData.Tags"));
        }

        [Theory]
        [InlineData("PrivateData.PSData.ProjectUri")]
        [InlineData("PrivateData.PSData.LicenseUri")]
        public void Gallery_links_are_absolute_https_addresses(string key)
        {
            Assert.True(Uri.TryCreate(_manifest.Text(key), UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps, $"{key} = '{_manifest.Text(key)}'");
        }

        [Fact]
        public void Gallery_release_notes_are_present()
        {
            Assert.False(string.IsNullOrWhiteSpace(_manifest.Text("PrivateData.PSData.ReleaseNotes")));
        }

        [Theory]
        [InlineData("RootModule", "SmtpTools.dll")]
        [InlineData("Author", null)]
        [InlineData("Description", null)]
        [InlineData("GUID", null)]
        public void Manifest_identifies_the_module(string key, string? expected)
        {
            Assert.False(string.IsNullOrWhiteSpace(_manifest.Text(key)), key);
            if (expected != null)
            {
                Assert.Equal(expected, _manifest.Text(key));
            }
        }
    }
}
