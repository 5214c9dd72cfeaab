using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SmtpTools.Tests.Listeners;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>
    /// Every cmdlet, run with -Verbose -Debug (and the protocol log where there is one), succeeding and failing, against
    /// the real server and against fake ones that misbehave, including one that echoes the credential back in its
    /// refusal: the password, the token and every base64 form of them appear in no stream, no error record, no exception
    /// (inner exceptions and ToString() included), no output property and no log file.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class SecretHygieneTests : IClassFixture<ModuleFixture>
    {
        private const string Token = "ya29.hygiene-SECRET-token-90b17e";
        private const string FakePassword = "Hygiene-SECRET-pw-3c5a";
        private const string FakeUser = "carol@fake.test";

        // $args[0] user, $args[1] password, $args[2] CA, $args[3] port, $args[4] log file, $args[5] token; $cred is set.
        private static readonly Dictionary<string, (string Script, Func<SecretHygieneTests, int> Port, string? ErrorId)> RealServerRuns = new Dictionary<string, (string, Func<SecretHygieneTests, int>, string?)>
        {
            ["Send-SecureMail -Credential, sent"] = (Send("-Credential $cred"), t => t.Server.Submission, null),
            ["Send-SecureMail -Credential, implicit TLS, sent"] = (Send("-Credential $cred -Security ImplicitTls"), t => t.Server.Submissions, null),
            ["Send-SecureMail -Credential, wrong password"] = (Send("-Credential $wrong"), t => t.Server.Submission, "SmtpTools.AuthenticationFailed"),
            ["Send-SecureMail -Credential, plain port refused"] = (Send("-Credential $cred"), t => t.Server.Plain, "SmtpTools.StartTlsNotOffered"),
            ["Send-SecureMail -Credential, expired certificate refused"] = (Send("-Credential $cred -Security ImplicitTls", host: "127.0.0.1"), t => t.Server.Ports["expired"], "SmtpTools.CertificateRejected"),
            ["Send-SecureMail -AccessToken, refused by Dovecot"] = (Send("-AccessToken $args[5]"), t => t.Server.Submission, "SmtpTools.AuthenticationFailed"),
            ["Get-SmtpCapability -Credential, verified"] = (Inspect, t => t.Server.Submission, null),
            ["Get-SmtpCapability -Credential, wrong password"] = (Inspect.Replace("-Credential $cred", "-Credential $wrong"), t => t.Server.Submission, "SmtpTools.AuthenticationFailed"),
            ["Get-SmtpCapability -Credential, plain port withheld"] = (Inspect, t => t.Server.Plain, "SmtpTools.EncryptionRequired"),
            ["Test-SmtpPort after credentials were used in the session"] = ("Test-SmtpPort -ComputerName localhost -Port $args[3] -TrustedCertificate $args[2] -Verbose -Debug", t => t.Server.Submission, null),
        };

        private readonly ModuleFixture _fixture;

        public SecretHygieneTests(ModuleFixture fixture) => _fixture = fixture;

        public static IEnumerable<object[]> RealServerRunNames => RealServerRuns.Keys.Select(k => new object[] { k });

        private TestServer Server => _fixture.Server;

        private static string Inspect => "Get-SmtpCapability -ComputerName localhost -Port $args[3] -Credential $cred -TrustedCertificate $args[2] -SkipTlsVersionScan -Verbose -Debug";

        [Theory]
        [MemberData(nameof(RealServerRunNames))]
        public void No_secret_in_any_stream_error_or_log_against_the_real_server(string name)
        {
            var (script, port, errorId) = RealServerRuns[name];
            using var scenario = ReliabilityTally.Scenario("secret hygiene: " + name);
            var log = Path.GetTempFileName();
            try
            {
                var run = _fixture.PowerShell.Run(
                    "$cred = [pscredential]::new($args[0], [System.Net.NetworkCredential]::new('', $args[1]).SecurePassword); " +
                    "$wrong = [pscredential]::new($args[0], [System.Net.NetworkCredential]::new('', $args[1] + '-wrong').SecurePassword); " + script,
                    Server.User, Server.Password, Server.CaFile, port(this), log, Token);

                var forms = SecretForms.OfPassword(Server.User, Server.Password).Concat(SecretForms.OfPassword(Server.User, Server.Password + "-wrong")).Concat(SecretForms.OfToken(Server.User, Token)).ToList();
                scenario.Leaked(ReliabilityChecks.SecretHits(new[] { run }, forms, log));
                ReliabilityChecks.ErrorsAreActionable(run);
                Assert.Equal(errorId == null ? Array.Empty<string>() : new[] { errorId }, ReliabilityChecks.Ids(run));
                Assert.NotEmpty(run.Verbose);
                Assert.Equal(0, ReliabilityChecks.SecretHits(new[] { run }, forms, log));
                scenario.Survived();
            }
            finally
            {
                File.Delete(log);
            }
        }

        [Fact]
        public void No_client_secret_assertion_refresh_or_access_token_from_Get_SmtpAccessToken_in_any_stream_error_or_log()
        {
            using var scenario = ReliabilityTally.Scenario("secret hygiene: Get-SmtpAccessToken flows, sent and refused");
            var idp = TestIdentity.Provider;
            using var key = System.Security.Cryptography.RSA.Create(2048);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=hygiene", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            var secretApp = idp.Register(new SmtpTools.Tests.Identity.TestClientRegistration { ClientSecret = "Hygiene~secret-" + Guid.NewGuid().ToString("N"), GrantedMailbox = Server.User });
            var certificateApp = idp.Register(new SmtpTools.Tests.Identity.TestClientRegistration { Certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate.RawData), GrantedMailbox = Server.User, Roles = "Mail.Send" });
            var deviceApp = idp.Register(new SmtpTools.Tests.Identity.TestClientRegistration { DeviceUser = Server.User });
            var revokedApp = idp.Register(new SmtpTools.Tests.Identity.TestClientRegistration { ClientSecret = "Hygiene~revoked-" + Guid.NewGuid().ToString("N"), SecretRevoked = true });
            const string Get = "Get-SmtpAccessToken -Authority $args[1] -TrustedCertificate $args[2] -Verbose ";
            const string SendWithToken = "; Send-SecureMail -From $args[0] -To $args[0] -Subject hygiene -SmtpServer localhost -Port $args[3] -TrustedCertificate $args[2] -AccessToken $token -ProtocolLog $args[4] -RetryCount 0 -PassThru -Verbose -Debug";
            var log = Path.GetTempFileName();
            try
            {
                PowerShellRun Run(string script, params object[] extra) => _fixture.PowerShell.Run(
                    script, new object[] { Server.User, idp.BaseAddress.ToString(), Server.CaFile, Server.Submission, log }.Concat(extra).ToArray());
                var runs = new[]
                {
                    Run("$token = " + Get + "-TenantId $args[5] -ClientId $args[6] -ClientSecret $args[7]; $token" + SendWithToken, secretApp.TenantId, secretApp.ClientId, secretApp.ClientSecret!),
                    Run("$token = " + Get + "-TenantId $args[5] -ClientId $args[6] -Certificate $args[7]; $token" + SendWithToken, certificateApp.TenantId, certificateApp.ClientId, certificate),
                    Run("$token = " + Get + "-TenantId $args[5] -ClientId $args[6] -DeviceCode; $token" + SendWithToken, deviceApp.TenantId, deviceApp.ClientId),
                    Run(Get + "-TenantId $args[5] -ClientId $args[6] -ClientSecret $args[7]", revokedApp.TenantId, revokedApp.ClientId, revokedApp.ClientSecret!),
                };

                Assert.Equal(
                    new[] { string.Empty, "SmtpTools.AuthenticationFailed", string.Empty, "SmtpTools.TokenRequestFailed" },
                    runs.Select(r => string.Join(" ", ReliabilityChecks.Ids(r))).ToArray());
                var credentials = idp.Credentials.Concat(new[] { secretApp.ClientSecret!, revokedApp.ClientSecret! }).ToList();
                Assert.True(credentials.Count >= 8, $"only {credentials.Count} credentials crossed the identity provider");
                var forms = credentials.SelectMany(SecretForms.OfOAuthCredential)
                    .Concat(idp.IssuedTokens.SelectMany(t => SecretForms.OfToken(Server.User, t))).ToList();
                scenario.Leaked(ReliabilityChecks.SecretHits(runs, forms, log));
                Assert.All(runs, ReliabilityChecks.ErrorsAreActionable);
                Assert.Equal(0, ReliabilityChecks.SecretHits(runs, forms, log));
                scenario.Survived();
            }
            finally
            {
                File.Delete(log);
            }
        }

        [Theory]
        [InlineData("Send-SecureMail -Credential", "PLAIN")]
        [InlineData("Send-SecureMail -Credential", "LOGIN")]
        [InlineData("Send-SecureMail -AccessToken", "XOAUTH2")]
        [InlineData("Get-SmtpCapability -Credential", "PLAIN")]
        [InlineData("Get-SmtpCapability -Credential", "LOGIN")]
        public void No_secret_from_a_server_that_echoes_the_credential_in_its_refusal(string command, string mechanism)
        {
            using var scenario = ReliabilityTally.Scenario($"secret hygiene: {command} {mechanism}, server echoes the credential");
            var echo = new EchoingRefusal();
            using var server = new FakeSmtpServer(new FakeSmtpScript
            {
                Certificate = TestCertificates.Good,
                AuthMechanisms = mechanism,
                Command = (_, line) => echo.Answer(line),
            });
            var log = Path.GetTempFileName();
            try
            {
                var script = command.StartsWith("Send", StringComparison.Ordinal)
                    ? "Send-SecureMail -From $args[0] -To dave@fake.test -Subject echo -SmtpServer 127.0.0.1 -Port $args[3] -TrustedCertificate $args[2] -ProtocolLog $args[4] -RetryCount 0 -PassThru -Verbose -Debug " + (command.EndsWith("AccessToken", StringComparison.Ordinal) ? "-AccessToken $args[5]" : "-Credential $cred")
                    : "Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[3] -Credential $cred -TrustedCertificate $args[2] -SkipTlsVersionScan -Verbose -Debug";
                var run = _fixture.PowerShell.Run(
                    "$cred = [pscredential]::new($args[0], [System.Net.NetworkCredential]::new('', $args[1]).SecurePassword); " + script,
                    FakeUser, FakePassword, TestCertificates.Authority, server.Port, log, Token);

                var forms = SecretForms.OfPassword(FakeUser, FakePassword).Concat(SecretForms.OfToken(FakeUser, Token)).ToList();
                Assert.True(SecretForms.CountHits(Commands(server), forms) > 0, "The fake server did not receive the secret, so it could not echo it.");
                scenario.Leaked(ReliabilityChecks.SecretHits(new[] { run }, forms, log) + SecretForms.CountHits(server.ReceivedInClear, forms));
                ReliabilityChecks.ErrorsAreActionable(run);
                Assert.Contains("SmtpTools.AuthenticationFailed", ReliabilityChecks.Ids(run));
                Assert.Equal(0, ReliabilityChecks.SecretHits(new[] { run }, forms, log));
                Assert.Equal(0, SecretForms.CountHits(server.ReceivedInClear, forms));
                scenario.Survived();
            }
            finally
            {
                File.Delete(log);
            }
        }

        private static string Send(string authentication, string host = "localhost") =>
            $"Send-SecureMail -From $args[0] -To $args[0] -Subject hygiene -SmtpServer {host} -Port $args[3] -TrustedCertificate $args[2] -ProtocolLog $args[4] -RetryCount 0 -PassThru -Verbose -Debug " + authentication;

        private static byte[] Commands(FakeSmtpServer server) => System.Text.Encoding.UTF8.GetBytes(string.Join("\n", server.Commands.Select(c => c.Line)));

        /// <summary>A careless server: whatever the client sent while authenticating comes back in its 535, base64 and all.</summary>
        private sealed class EchoingRefusal
        {
            private int _loginLines = -1;

            public FakeReply? Answer(string line)
            {
                var parts = line.Split(' ');
                if (parts[0].Equals("AUTH", StringComparison.OrdinalIgnoreCase))
                {
                    if (parts.Length > 2)
                    {
                        return FakeReply.Say("535 5.7.8 Authentication failed: bad credentials " + line);
                    }

                    _loginLines = 0;
                    return FakeReply.Say("334 VXNlcm5hbWU6");
                }

                switch (_loginLines)
                {
                    case 0:
                        _loginLines = 1;
                        return FakeReply.Say("334 UGFzc3dvcmQ6");
                    case 1:
                        _loginLines = -1;
                        return FakeReply.Say("535 5.7.8 Authentication failed for " + line);
                    default:
                        return null;
                }
            }
        }
    }
}
