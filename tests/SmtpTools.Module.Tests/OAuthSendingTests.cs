using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MimeKit;
using SmtpTools.Tests.Identity;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// Get-SmtpAccessToken against the tests' identity provider, piped into Send-SecureMail against the real Postfix,
    /// whose Dovecot validates each token itself (signature, audience, role or scope, user, expiry): every flow end to
    /// end to the Maildir, and each way a token goes wrong ending in an error that names the cause.
    /// </summary>
    public sealed class OAuthSendingTests : IClassFixture<ModuleFixture>
    {
        // $args[0] the identity provider's instance URL, $args[1] the CA file, $args[2] the submission port (STARTTLS), $args[3] the mailbox.
        private const string Prelude = "$idp = $args[0]; $ca = $args[1]; $port = $args[2]; $mailbox = $args[3]; ";

        private readonly ModuleFixture _fixture;

        public OAuthSendingTests(ModuleFixture fixture) => _fixture = fixture;

        private TestServer Server => _fixture.Server;

        private static TestIdentityProvider Idp => TestIdentity.Provider;

        private static string NewMarker() => "oauth-" + Guid.NewGuid().ToString("N");

        /// <summary>Runs a script with $idp, $ca, $port, $mailbox and the extra arguments as $args[4], $args[5]...</summary>
        private PowerShellRun Run(string script, params object?[] extra) =>
            _fixture.PowerShell.Run(Prelude + script, new object?[] { Idp.BaseAddress.ToString(), Server.CaFile, Server.Submission, Server.User }.Concat(extra).ToArray());

        private static string SendLine(string marker) =>
            $"Send-SecureMail -From $mailbox -To $mailbox -Subject '{marker}' -Body 'sent with OAuth' -SmtpServer localhost -Port $port -TrustedCertificate $ca -AccessToken $token -PassThru";

        private TestClientRegistration App(Action<TestClientRegistration>? change = null)
        {
            var app = new TestClientRegistration { GrantedMailbox = Server.User };
            change?.Invoke(app);
            return Idp.Register(app);
        }

        private static X509Certificate2 NewAppCertificate()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=SmtpTools nightly report", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
        }

        // Postfix writes the SASL user into Received when Dovecot accepted the AUTH (smtpd_sasl_authenticated_header).
        private void AssertDeliveredAfterAuth(string marker)
        {
            var file = Server.WaitForMessageFile(Server.User, marker);
            Assert.True(file != null, $"No message with {marker} arrived.");
            var received = MimeMessage.Load(file!).Headers.Where(h => h.Id == HeaderId.Received).Select(h => h.Value);
            Assert.Contains(received, r => r.Contains($"Authenticated sender: {Server.User}", StringComparison.OrdinalIgnoreCase));
        }

        // The identity provider's own faults, if any, explain a failed token request better than MSAL's "service unavailable".
        private static void AssertNoErrors(PowerShellRun run) =>
            Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors.Select(e => e.ToString()).Concat(Idp.Faults)));

        /// <summary>Gets a token with <paramref name="getToken"/>, sends one message with it, and checks it arrived after AUTH.</summary>
        private void AssertSendsWith(string getToken, params object?[] extra)
        {
            var marker = NewMarker();
            var run = Run("$token = " + getToken + "; " + SendLine(marker), extra);

            AssertNoErrors(run);
            var result = Assert.Single(run.Output);
            Assert.Equal("Sent", result.Text("Status"));
            Assert.Equal(Server.User, result.Text("AuthenticatedAs"));
            AssertDeliveredAfterAuth(marker);
        }

        [Fact]
        public void A_scheduled_task_with_only_a_certificate_thumbprint_tenant_and_client_id_sends_with_a_token_Dovecot_validated()
        {
            using var certificate = NewAppCertificate();
            var app = App(a => a.Certificate = X509CertificateLoader.LoadCertificate(certificate.RawData));
            using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadWrite);
            store.Add(certificate);
            try
            {
                var marker = NewMarker();
                var run = Run(
                    "$token = Get-SmtpAccessToken -TenantId $args[4] -ClientId $args[5] -CertificateThumbprint $args[6] -Authority $idp -TrustedCertificate $ca; " + SendLine(marker),
                    app.TenantId, app.ClientId, certificate.Thumbprint);

                AssertNoErrors(run);
                var result = Assert.Single(run.Output);
                Assert.Equal("Sent", result.Text("Status"));
                Assert.Equal(Server.User, result.Text("AuthenticatedAs"));
                AssertDeliveredAfterAuth(marker);
                var grant = Assert.Single(Idp.Requests, r => r.ClientId == app.ClientId);
                Assert.Equal(("client_credentials", "assertion", true), (grant.GrantType, grant.Credential, grant.Granted));
            }
            finally
            {
                store.Remove(certificate);
            }
        }

        [Fact]
        public void A_PFX_file_with_its_password_gets_an_app_only_token_that_sends()
        {
            using var certificate = NewAppCertificate();
            var app = App(a => a.Certificate = X509CertificateLoader.LoadCertificate(certificate.RawData));
            var pfx = Path.Combine(Path.GetTempPath(), $"smtptools-{Guid.NewGuid():N}.pfx");
            File.WriteAllBytes(pfx, certificate.Export(X509ContentType.Pfx, "pfx-pass"));
            try
            {
                AssertSendsWith(
                    "Get-SmtpAccessToken -TenantId $args[4] -ClientId $args[5] -CertificatePath $args[6] -CertificatePassword 'pfx-pass' -Authority $idp -TrustedCertificate $ca",
                    app.TenantId, app.ClientId, pfx);
            }
            finally
            {
                File.Delete(pfx);
            }
        }

        [Fact]
        public void A_client_secret_gets_an_app_only_token_whose_claims_the_token_object_shows()
        {
            var app = App(a => a.ClientSecret = "s3cr3t~" + Guid.NewGuid().ToString("N"));
            var marker = NewMarker();
            var run = Run(
                "$token = Get-SmtpAccessToken -TenantId $args[4] -ClientId $args[5] -ClientSecret $args[6] -Authority $idp -TrustedCertificate $ca; $token; " + SendLine(marker),
                app.TenantId, app.ClientId, app.ClientSecret);

            AssertNoErrors(run);
            var token = run.Output[0];
            Assert.Equal("SmtpTools.SmtpAccessToken", token.TypeName());
            Assert.Equal(("Microsoft365", "ClientSecret"), (token.Text("Provider"), token.Text("Flow")));
            Assert.Equal(TestIdentityProvider.ExchangeResource, token.Text("Audience"));
            Assert.Equal(new[] { "SMTP.SendAsApp" }, token.Texts("Roles"));
            Assert.Equal(app.TenantId, token.Text("TenantId"));
            Assert.Equal(app.ClientId, token.Text("ClientId"));
            Assert.Equal("Sent", run.Output[1].Text("Status"));
            AssertDeliveredAfterAuth(marker);
        }

        [Fact]
        public void A_device_code_session_shows_the_URL_and_code_as_a_warning_and_sends_as_the_signed_in_user()
        {
            var app = App(a => a.DeviceUser = Server.User);
            var marker = NewMarker();
            var run = Run(
                "$token = Get-SmtpAccessToken -TenantId $args[4] -ClientId $args[5] -DeviceCode -Authority $idp -TrustedCertificate $ca -Verbose; " + SendLine(marker) + "; " +
                "$again = Get-SmtpAccessToken -TenantId $args[4] -ClientId $args[5] -DeviceCode -Authority $idp -TrustedCertificate $ca; $again.UserName",
                app.TenantId, app.ClientId);

            AssertNoErrors(run);
            var prompt = Assert.Single(run.Warnings);
            Assert.Contains(new Uri(Idp.BaseAddress, "devicelogin").ToString(), prompt);
            Assert.Matches("enter the code [A-Z]{9}", prompt);
            Assert.Equal("Sent", run.Output[0].Text("Status"));
            Assert.Equal(Server.User, run.Output[0].Text("AuthenticatedAs"));
            AssertDeliveredAfterAuth(marker);
            // The second call in the same session came from MSAL's cache: one sign-in, no second prompt.
            Assert.Equal(Server.User, run.Output[1].ToString());
            Assert.Single(Idp.Requests, r => r.ClientId == app.ClientId && r.Granted);
            // This Linux machine has no libsecret keyring: the cache says it stays in memory (never a plain file).
            Assert.Contains(run.Verbose, v => v.StartsWith("No protected token store here", StringComparison.Ordinal) || v.StartsWith("Signed-in accounts are kept in this platform's protected store", StringComparison.Ordinal));
        }

        [Fact]
        public void A_Google_service_account_with_domain_wide_delegation_sends_as_its_subject()
        {
            using var key = RSA.Create(2048);
            var app = App(a =>
            {
                a.ServiceAccount();
                a.ServiceAccountKey = RSA.Create(key.ExportParameters(false));
            });
            var keyFile = Path.Combine(Path.GetTempPath(), $"smtptools-{Guid.NewGuid():N}.json");
            File.WriteAllText(keyFile, JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["type"] = "service_account",
                ["client_email"] = app.ClientId,
                ["private_key"] = key.ExportPkcs8PrivateKeyPem(),
                ["token_uri"] = Idp.GoogleTokenEndpoint.ToString(),
            }));
            try
            {
                AssertSendsWith("Get-SmtpAccessToken -ServiceAccountKeyFile $args[4] -Subject $mailbox -TrustedCertificate $ca", keyFile);
            }
            finally
            {
                File.Delete(keyFile);
            }
        }

        [Fact]
        public void A_token_for_Microsoft_Graph_is_refused_by_the_server_and_the_error_names_the_audience()
        {
            var app = App(a => a.ClientSecret = "graph-" + Guid.NewGuid().ToString("N"));
            var run = Run(
                "$token = Get-SmtpAccessToken -TenantId $args[4] -ClientId $args[5] -ClientSecret $args[6] -Authority $idp -TrustedCertificate $ca -Resource https://graph.microsoft.com; " + SendLine(NewMarker()),
                app.TenantId, app.ClientId, app.ClientSecret);

            var error = Assert.Single(run.Errors);
            Assert.StartsWith("SmtpTools.AuthenticationFailed", error.FullyQualifiedErrorId);
            Assert.Contains("Microsoft Graph (aud https://graph.microsoft.com), not Exchange Online", error.ErrorDetails.Message);
            Assert.Contains("https://outlook.office365.com/.default", error.ErrorDetails.Message);
        }

        [Fact]
        public void An_app_without_the_SMTP_SendAsApp_role_is_refused_and_the_error_names_the_role_and_the_app()
        {
            var app = App(a =>
            {
                a.ClientSecret = "norole-" + Guid.NewGuid().ToString("N");
                a.Roles = "Mail.Send";
            });
            var run = Run(
                "$token = Get-SmtpAccessToken -TenantId $args[4] -ClientId $args[5] -ClientSecret $args[6] -Authority $idp -TrustedCertificate $ca; " + SendLine(NewMarker()),
                app.TenantId, app.ClientId, app.ClientSecret);

            var error = Assert.Single(run.Errors);
            Assert.StartsWith("SmtpTools.AuthenticationFailed", error.FullyQualifiedErrorId);
            Assert.Contains($"The app {app.ClientId} has no SMTP.SendAsApp role in tenant {app.TenantId} (its roles: Mail.Send)", error.ErrorDetails.Message);
        }

        [Fact]
        public void A_token_that_expires_mid_batch_is_renewed_and_the_batch_goes_on_over_a_new_connection()
        {
            // Due five minutes before expiry: a 303-second token is due three seconds after it was issued.
            var app = App(a =>
            {
                a.ClientSecret = "batch-" + Guid.NewGuid().ToString("N");
                a.TokenLifetime = TimeSpan.FromSeconds(303);
            });
            var first = NewMarker();
            var second = NewMarker();
            var run = Run(
                "$token = Get-SmtpAccessToken -TenantId $args[4] -ClientId $args[5] -ClientSecret $args[6] -Authority $idp -TrustedCertificate $ca; " +
                "$second = $args[8]; $args[7], $second | ForEach-Object { if ($_ -eq $second) { [System.Threading.Thread]::Sleep(4000) }; [pscustomobject]@{ Subject = $_ } } | " +
                "Send-SecureMail -From $mailbox -To $mailbox -Body 'batch' -SmtpServer localhost -Port $port -TrustedCertificate $ca -AccessToken $token -PassThru -Verbose",
                app.TenantId, app.ClientId, app.ClientSecret, first, second);

            AssertNoErrors(run);
            Assert.All(run.Output, r => Assert.Equal("Sent", r.Text("Status")));
            Assert.Equal(2, run.Output.Count);
            AssertDeliveredAfterAuth(first);
            AssertDeliveredAfterAuth(second);
            Assert.Equal(2, Idp.Requests.Count(r => r.ClientId == app.ClientId && r.Granted));
            Assert.Contains(run.Verbose, v => v.StartsWith("Renewed the access token", StringComparison.Ordinal));
            Assert.Contains(run.Verbose, v => v.Contains("reconnecting to localhost", StringComparison.Ordinal));
        }

        [Fact]
        public void A_revoked_client_secret_ends_in_an_error_that_names_the_secret()
        {
            var app = App(a =>
            {
                a.ClientSecret = "revoked-" + Guid.NewGuid().ToString("N");
                a.SecretRevoked = true;
            });
            var run = Run(
                "Get-SmtpAccessToken -TenantId $args[4] -ClientId $args[5] -ClientSecret $args[6] -Authority $idp -TrustedCertificate $ca",
                app.TenantId, app.ClientId, app.ClientSecret);

            var error = Assert.Single(run.Errors);
            Assert.StartsWith("SmtpTools.TokenRequestFailed,", error.FullyQualifiedErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
            Assert.Contains("AADSTS7000215", error.ErrorDetails.Message);
            Assert.Contains("The client secret is wrong, expired or deleted", error.ErrorDetails.Message);
            Assert.Empty(run.Output);
        }

        [Fact]
        public void A_secret_revoked_during_a_batch_stops_the_renewal_with_an_error_that_names_the_secret()
        {
            var app = App(a =>
            {
                a.ClientSecret = "midbatch-" + Guid.NewGuid().ToString("N");
                a.TokenLifetime = TimeSpan.FromSeconds(303);
            });
            var first = NewMarker();
            var run = Run(
                "$token = Get-SmtpAccessToken -TenantId $args[4] -ClientId $args[5] -ClientSecret $args[6] -Authority $idp -TrustedCertificate $ca; " +
                "$app = $args[9]; $second = $args[8]; $args[7], $second | ForEach-Object { if ($_ -eq $second) { $app.SecretRevoked = $true; [System.Threading.Thread]::Sleep(4000) }; [pscustomobject]@{ Subject = $_ } } | " +
                "Send-SecureMail -From $mailbox -To $mailbox -Body 'batch' -SmtpServer localhost -Port $port -TrustedCertificate $ca -AccessToken $token -PassThru",
                app.TenantId, app.ClientId, app.ClientSecret, first, NewMarker(), app);

            AssertDeliveredAfterAuth(first);
            var error = Assert.Single(run.Errors);
            Assert.StartsWith("SmtpTools.TokenRequestFailed,", error.FullyQualifiedErrorId);
            Assert.Contains("AADSTS7000215", error.ErrorDetails.Message);
            Assert.Equal(new[] { "Sent", "Failed" }, run.Output.Select(r => r.Text("Status")));
        }
    }
}
