using System.Linq;
using System.Management.Automation.Runspaces;
using SmtpTools.Host;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>The view harness itself: it renders as pwsh does, Format-List and Format-Table included.</summary>
    public sealed class ViewRendererTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;

        public ViewRendererTests(ModuleFixture fixture) => _fixture = fixture;

        [Fact]
        public void The_NuGet_engine_has_no_Format_List_so_the_session_adds_pwsh_s_own()
        {
            // Format-List and Format-Table live in Microsoft.PowerShell.Commands.Utility, which NuGet does not carry.
            Assert.Empty(InitialSessionState.CreateDefault2().Commands["Format-List"]);
            Assert.Single(HostSessionState.Create().Commands["Format-List"]);
            Assert.Single(HostSessionState.Create().Commands["Format-Table"]);
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
