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
        public void Engine_and_mail_libraries_load_into_the_module_private_load_context()
        {
            var run = _fixture.PowerShell.Run(
                "$moduleDir = $args[0]; $null = Test-SmtpPort -ComputerName localhost -Port 1 -TimeoutSec 2; " +
                "[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in 'SmtpTools.Engine', 'MailKit', 'MimeKit', 'BouncyCastle.Cryptography' -and $_.Location.StartsWith($moduleDir) } | " +
                "ForEach-Object { $_.GetName().Name + '|' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).GetType().FullName }",
                Repo.ModuleDirectory);
            Assert.Empty(run.Errors);
            var contexts = run.Output.Select(o => o.ToString().Split('|')).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal(new[] { "BouncyCastle.Cryptography", "MailKit", "MimeKit", "SmtpTools.Engine" }.Intersect(contexts.Keys).Count(), contexts.Count);
            Assert.Equal("SmtpTools.Commands.ModuleLoadContext", contexts["SmtpTools.Engine"]);
            Assert.All(contexts.Values, c => Assert.Equal("SmtpTools.Commands.ModuleLoadContext", c));
        }

        [Fact]
        public void Result_types_and_enums_can_be_named_in_scripts()
        {
            var run = _fixture.PowerShell.Run(
                "$r = Test-SmtpPort -ComputerName localhost -Port 1 -TimeoutSec 2; " +
                "$r -is [SmtpTools.SmtpPortResult]; " +
                "$r.Status -eq [SmtpTools.SmtpPortStatus]::Closed; " +
                "[SmtpTools.SmtpRequestedSecurity]::ImplicitTls.ToString(); " +
                "[System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([SmtpTools.SmtpPortResult].Assembly).Name");
            Assert.Empty(run.Errors);
            Assert.Null(run.Terminating);
            Assert.Equal(new object[] { true, true, "ImplicitTls", "Default" }, run.Output.Select(o => o.BaseObject).ToArray());
        }

        [Fact]
        public void Errors_carry_exceptions_scripts_can_catch_by_type()
        {
            var run = _fixture.PowerShell.Run(
                "try { Test-SmtpPort -ComputerName no-such-host.invalid -Port 25 -ErrorAction Stop } " +
                "catch [SmtpTools.SmtpConnectionException] { 'caught ' + $_.Exception.Kind }");
            Assert.Equal("caught NameNotResolved", Assert.Single(run.Output).ToString());
        }

        [Fact]
        public void Module_context_prefers_the_framework_copy_and_falls_back_to_the_shipped_one()
        {
            var run = _fixture.PowerShell.Run(
                "$null = Test-SmtpPort -ComputerName localhost -Port 1 -TimeoutSec 2; " +
                "$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SmtpTools.Engine' }; " +
                "$context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine); " +
                "foreach ($name in 'System.Memory', 'Microsoft.Bcl.Cryptography') { " +
                "  $a = $context.LoadFromAssemblyName([System.Reflection.AssemblyName]::new($name)); " +
                "  $name + '|' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name + '|' + $a.Location.StartsWith($args[0]) }",
                Repo.ModuleDirectory);
            Assert.Empty(run.Errors);
            Assert.Null(run.Terminating);
            Assert.Equal(
                new[] { "System.Memory|Default|False", "Microsoft.Bcl.Cryptography||True" },
                run.Output.Select(o => o.ToString()).ToArray());
        }
    }
}
