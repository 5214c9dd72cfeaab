using System.Linq;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// Every output type has a table view and a list view that fit a 120-column screen, rendered through the module's
    /// format file exactly as pwsh renders them.
    /// </summary>
    public sealed class OutputViewTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;

        public OutputViewTests(ModuleFixture fixture) => _fixture = fixture;

        private TestServer Server => _fixture.Server;

        // Each script makes one kind of output object; {0} is Format-Table or Format-List.
        public static TheoryData<string, string, string> Outputs => new()
        {
            { "SmtpPortResult", "Test-SmtpPort -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 | {0}", "Port" },
            { "SmtpSubmissionRecommendation", "Test-SmtpPort -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -Recommended | {0}", "Rating" },
            { "SmtpCapabilityReport", "Get-SmtpCapability -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 | {0}", "Security" },
            { "SmtpFinding", "(Get-SmtpCapability -ComputerName localhost -Port $args[2] -TrustedCertificate $args[1] -TimeoutSec 5).Findings | {0}", "Severity" },
            { "TlsVersionSupport", "(Get-SmtpCapability -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5).TlsVersions | {0}", "Outcome" },
            { "SmtpSendResult", "$c = [pscredential]::new($args[3], [System.Net.NetworkCredential]::new('', $args[4]).SecurePassword); Send-SecureMail -SmtpServer localhost -Port $args[0] -Credential $c -TrustedCertificate $args[1] -From $args[3] -To $args[3] -Subject 'view test' -Body 'x' -PassThru | {0}", "Status" },
        };

        [Theory]
        [MemberData(nameof(Outputs))]
        public void Table_view_fits_120_columns_and_names_its_columns(string type, string script, string column)
        {
            var rendered = Render(script.Replace("{0}", "Format-Table"));

            Assert.True(rendered.Run.Errors.Count == 0, type + ": " + string.Join("; ", rendered.Run.Errors));
            Assert.Contains(column, rendered.TableHeader());
            Assert.All(rendered.Lines, l => Assert.True(l.Length <= 120, $"{type} table line of {l.Length} columns: {l}"));
        }

        [Theory]
        [MemberData(nameof(Outputs))]
        public void List_view_fits_120_columns_and_shows_its_key_property(string type, string script, string column)
        {
            var rendered = Render(script.Replace("{0}", "Format-List"));

            Assert.True(rendered.Run.Errors.Count == 0, type + ": " + string.Join("; ", rendered.Run.Errors));
            Assert.Contains(column, rendered.ListEntries().Keys);
            Assert.All(rendered.Lines, l => Assert.True(l.Length <= 120, $"{type} list line of {l.Length} columns: {l}"));
        }

        private RenderedOutput Render(string script) =>
            _fixture.Views.Render(script, Server.Submission, Server.CaFile, Server.Plain, Server.User, Server.Password);
    }
}
