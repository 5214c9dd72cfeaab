using Xunit;

namespace SmtpTools.Module.Tests
{
    public sealed class TestSmtpPortTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;

        public TestSmtpPortTests(ModuleFixture fixture) => _fixture = fixture;

        private TestServer Server => _fixture.Server;

        [Fact]
        public void Submissions_port_is_reported_as_implicit_TLS_with_a_trusted_certificate()
        {
            var run = _fixture.PowerShell.Run(
                "Test-SmtpPort -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5",
                Server.Submissions, Server.CaFile);

            Assert.Empty(run.Errors);
            var result = Assert.Single(run.Output);
            Assert.Equal("SmtpTools.SmtpPortResult", result.TypeName());
            Assert.Equal("Open", result.Text("Status"));
            Assert.Equal("ImplicitTls", result.Text("Security"));
            Assert.Equal(Server.Submissions, (int)result.Get("Port")!);
            Assert.StartsWith("220 mail.smtptools.test", result.Text("Banner"));
            Assert.Contains(result.Text("TlsProtocol"), new[] { "Tls12", "Tls13" });
            Assert.Equal("valid", result.Text("Certificate.Verdict"));
            Assert.Contains("PLAIN", result.Texts("AuthMechanisms"));
        }
    }
}
