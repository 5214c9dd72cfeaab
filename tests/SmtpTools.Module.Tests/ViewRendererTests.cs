using System.Linq;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>The view harness itself: it renders as pwsh does, with pwsh's own built-in commands.</summary>
    public sealed class ViewRendererTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;

        public ViewRendererTests(ModuleFixture fixture) => _fixture = fixture;

        [Theory]
        [InlineData("Format-List")]
        [InlineData("Format-Table")]
        [InlineData("Select-Object")]
        [InlineData("ConvertTo-Json")]
        [InlineData("Export-Csv")]
        [InlineData("Start-Job")]
        // Start-ThreadJob is a module of pwsh's own (Microsoft.PowerShell.ThreadJob), not of the SDK: the Pester suite
        // uses it in real pwsh.
        public void The_session_has_pwsh_s_built_in_command(string name)
        {
            var run = _fixture.PowerShell.Run("(Get-Command -Name $args[0] -ErrorAction Stop).Name", name);

            Assert.Null(run.Terminating);
            Assert.Equal(name, run.Output.Single().ToString());
        }

        [Fact]
        public void Format_List_renders_name_value_lines()
        {
            var screen = _fixture.Views.Render("[pscustomobject]@{ Name = 'mail.example'; Port = 587 } | Format-List");

            Assert.Equal(new[] { "Name : mail.example", "Port : 587" }, screen.TextLines.ToArray());
        }

        [Fact]
        public void Format_Table_renders_the_properties_asked_for()
        {
            var screen = _fixture.Views.Render("[pscustomobject]@{ Name = 'mail.example'; Port = 587; Extra = 1 } | Format-Table Name, Port");

            Assert.Equal(new[] { "Name", "Port" }, screen.TableHeader());
        }

        [Fact]
        public void Rendered_text_is_plain_without_ANSI_styling()
        {
            // pwsh styles table headers with ANSI sequences; a host that is not a terminal must strip them.
            var screen = _fixture.Views.Render("[pscustomobject]@{ Name = 'mail.example'; Port = 587 } | Format-Table");

            Assert.Contains(screen.Lines, l => l.Contains("Name"));
            Assert.DoesNotContain(screen.Lines, l => l.Contains('\u001b'));
        }

        [Fact]
        public void Arguments_reach_the_script_as_args()
        {
            var screen = _fixture.Views.Render("'{0}:{1}' -f $args[0], $args[1]", "mail.example", 465);

            Assert.Equal(new[] { "mail.example:465" }, screen.TextLines.ToArray());
        }
    }
}
