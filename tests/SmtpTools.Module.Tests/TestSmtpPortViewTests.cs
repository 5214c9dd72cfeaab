using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>Test-SmtpPort's list view, as Format-List shows it on a user's 120-column screen (the table is tested in TestSmtpPortTests).</summary>
    public sealed class TestSmtpPortViewTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;

        public TestSmtpPortViewTests(ModuleFixture fixture) => _fixture = fixture;

        private TestServer Server => _fixture.Server;

        [Fact]
        public void List_view_shows_the_port_the_TLS_session_and_the_certificate_verdict()
        {
            var entries = _fixture.Views.Render(
                "Test-SmtpPort -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 | Format-List",
                Server.Submission, Server.CaFile).ListEntries();

            Assert.Equal("localhost", entries["ComputerName"]);
            Assert.Equal(Server.Submission.ToString(), entries["Port"]);
            Assert.Equal("Open", entries["Status"]);
            Assert.Equal("StartTls", entries["Security"]);
            Assert.Matches("^Tls1[23] TLS_", entries["Tls"]);
            Assert.StartsWith("CN=localhost: valid; expires ", entries["Certificate"]);
        }

        [Fact]
        public void List_view_joins_the_AUTH_mechanisms_on_one_line()
        {
            var entries = _fixture.Views.Render(
                "Test-SmtpPort -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 | Format-List",
                Server.Submission, Server.CaFile).ListEntries();

            Assert.Contains("PLAIN", entries["AuthMechanisms"].Split(' '));
        }
    }
}
