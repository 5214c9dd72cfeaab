using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace SmtpTools.Module.Tests
{
    public sealed class ModuleLayoutTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;

        public ModuleLayoutTests(ModuleFixture fixture) => _fixture = fixture;

        [Fact]
        public void Built_module_folder_never_ships_the_PowerShell_engine()
        {
            var shipped = Directory.EnumerateFiles(Repo.ModuleDirectory, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
            Assert.Contains("SmtpTools.dll", shipped);
            Assert.DoesNotContain("System.Management.Automation.dll", shipped);
        }

        [Fact]
        public void Test_ModuleManifest_passes_on_the_built_folder_with_the_stamped_version()
        {
            var run = _fixture.PowerShell.Run("Test-ModuleManifest -Path $args[0] -ErrorAction Stop", Repo.ModuleManifest);
            Assert.Null(run.Terminating);
            Assert.Empty(run.Errors);
            var manifest = Assert.Single(run.Output);
            var version = typeof(ModuleLayoutTests).Assembly.GetName().Version!;
            Assert.Equal($"{version.Major}.{version.Minor}.{version.Build}", manifest.Properties["Version"].Value.ToString());
        }

        [Fact]
        public void Import_Module_exposes_Test_SmtpPort_as_a_compiled_cmdlet()
        {
            var run = _fixture.PowerShell.Run("Get-Command -Module SmtpTools -Name Test-SmtpPort");
            var command = Assert.Single(run.Objects<CmdletInfo>());
            Assert.Equal("SmtpTools.Commands.TestSmtpPortCommand", command.ImplementingType.FullName);
        }

        [Fact]
        public void Dependencies_load_into_the_module_private_load_context()
        {
            var run = _fixture.PowerShell.Run(
                "$result = Test-SmtpPort -ComputerName localhost -Port 1 -TimeoutSec 2; " +
                "[System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($result.GetType().Assembly).GetType().FullName");
            Assert.Equal("SmtpTools.Commands.ModuleLoadContext", Assert.Single(run.Output).BaseObject);
        }
    }
}
