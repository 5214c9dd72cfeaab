using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SmtpTools.Tests.Listeners;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>Get-SmtpCapability through the engine, against every listener of the real test server.</summary>
    public sealed class GetSmtpCapabilityTests : IClassFixture<ModuleFixture>
    {
        private const string Cmdlet = ",SmtpTools.Commands.GetSmtpCapabilityCommand";
        private readonly ModuleFixture _fixture;

        public GetSmtpCapabilityTests(ModuleFixture fixture) => _fixture = fixture;

        private TestServer Server => _fixture.Server;

        [Fact]
        public void Relay_port_accepts_TLS_1_0_to_1_3_and_is_flagged_for_both_old_versions_and_STARTTLS_only()
        {
            var report = Inspect(Server.Relay);

            Assert.Equal("SmtpTools.SmtpCapabilityReport", report.TypeName());
            Assert.Equal("StartTls", report.Text("Security"));
            Assert.StartsWith("220 mail.smtptools.test", report.Text("Banner"));
            Assert.Equal(new[] { "Tls10", "Tls11", "Tls12", "Tls13" }, report.Texts("AcceptedTlsVersions"));
            Assert.Equal(new[] { "Medium", "Medium", "Low" }, Severities(report, "TLS10_ACCEPTED", "TLS11_ACCEPTED", "STARTTLS_ONLY"));
            Assert.Equal("RFC 8314 3.3", Finding(report, "STARTTLS_ONLY").Text("Reference"));
            Assert.Equal("valid", report.Text("Certificate.Verdict"));
        }

        [Fact]
        public void Relay_port_keeps_the_EHLO_keywords_from_before_and_after_STARTTLS_apart()
        {
            var report = Inspect(Server.Relay);

            Assert.Contains("STARTTLS", report.Texts("ExtensionsBeforeTls.Keywords"));
            Assert.DoesNotContain("STARTTLS", report.Texts("ExtensionsAfterTls.Keywords"));
            Assert.True((long)report.Get("ExtensionsAfterTls.SizeLimit")! > 0);
            Assert.Equal(report.Get("ExtensionsAfterTls.SizeLimit"), report.Get("SizeLimit"));
            foreach (var flag in new[] { "Pipelining", "EightBitMime", "SmtpUtf8", "Chunking", "Dsn", "EnhancedStatusCodes" })
            {
                Assert.True((bool)report.Get("ExtensionsAfterTls." + flag)!, flag);
            }

            Assert.False((bool)report.Get("ExtensionsAfterTls.RequireTls")!);
            Assert.False((bool)report.Get("ExtensionsAfterTls.BinaryMime")!);
        }

        [Fact]
        public void Submission_port_accepts_only_TLS_1_2_and_1_3_and_offers_AUTH_only_inside_TLS()
        {
            var report = Inspect(Server.Submission);

            Assert.Equal("StartTls", report.Text("Security"));
            Assert.Equal(new[] { "Tls12", "Tls13" }, report.Texts("AcceptedTlsVersions"));
            Assert.Equal(new[] { "Rejected", "Rejected", "Accepted", "Accepted" }, Items(report, "TlsVersions").Select(v => v.Text("Outcome")));
            Assert.Empty(report.Texts("AuthMechanismsBeforeTls"));
            Assert.Equal(new[] { "PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER" }, report.Texts("AuthMechanisms"));
            Assert.Equal(new[] { "STARTTLS_ONLY" }, Ids(report));
        }

        [Fact]
        public void Submissions_port_reports_its_TLS_session_and_certificate_in_full_and_has_no_findings()
        {
            var report = Inspect(Server.Submissions, "-Security ImplicitTls");

            Assert.Equal("ImplicitTls", report.Text("Security"));
            Assert.Empty(Ids(report));
            Assert.Contains(report.Text("TlsProtocol"), new[] { "Tls12", "Tls13" });
            Assert.StartsWith("TLS_", report.Text("CipherSuite"));
            Assert.Equal("ECDHE", report.Text("KeyExchange"));
            Assert.NotNull(report.Text("KeyExchangeGroup"));
            Assert.Null(report.Get("ExtensionsBeforeTls"));
            Assert.Equal(new[] { "PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER" }, report.Texts("AuthMechanisms"));

            var certificate = PSObject.AsPSObject(report.Get("Certificate")!);
            Assert.IsType<System.Security.Cryptography.X509Certificates.X509Certificate2>(certificate.BaseObject.GetType().GetMethod("GetCertificate")!.Invoke(certificate.BaseObject, null));
            Assert.Equal("CN=localhost", certificate.Text("Subject"));
            Assert.Contains("Intermediate", certificate.Text("Issuer"));
            Assert.Contains("DNS:localhost", certificate.Texts("SubjectAlternativeNames"));
            Assert.IsType<DateTimeOffset>(certificate.Get("NotAfter"));
            Assert.True((int)certificate.Get("DaysUntilExpiry")! > 30);
            Assert.Equal("RSA", certificate.Text("KeyAlgorithm"));
            Assert.Equal(2048, (int)certificate.Get("KeySize")!);
            Assert.True((bool)certificate.Get("HostNameMatches")!);
            Assert.Empty(certificate.Texts("ChainStatus"));
            Assert.Equal(2, (int)certificate.Get("PresentedChainLength")!);
        }

        [Fact]
        public void Auto_detects_implicit_TLS_on_a_port_that_waits_for_the_client()
        {
            var report = Inspect(Server.Submissions);

            Assert.Equal("Auto", report.Text("RequestedSecurity"));
            Assert.Equal("ImplicitTls", report.Text("Security"));
            Assert.Equal(new[] { "Tls12", "Tls13" }, report.Texts("AcceptedTlsVersions"));
        }

        [Fact]
        public void Plain_port_is_flagged_for_no_TLS_AUTH_before_TLS_and_password_mechanisms_in_clear()
        {
            var report = Inspect(Server.Plain);

            Assert.Equal("PlainOnly", report.Text("Security"));
            Assert.Null(report.Get("Tls"));
            Assert.Empty(report.Texts("TlsVersions"));
            Assert.Equal(new[] { "PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER" }, report.Texts("AuthMechanismsBeforeTls"));
            Assert.Equal(new[] { "Critical", "High", "High" }, Severities(report, "PLAINTEXT_AUTH_IN_CLEAR", "NO_TLS", "AUTH_BEFORE_TLS"));
            Assert.Equal("Critical", report.Text("HighestSeverity"));
        }

        [Fact]
        public void A_port_that_advertises_VRFY_is_flagged_and_one_that_does_not_is_not()
        {
            // The test server turns VRFY off (disable_vrfy_command) everywhere but on the deliberately insecure plain port.
            static string[] Ids(PSObject report) => ((System.Collections.IEnumerable)report.Get("Findings")!).Cast<object>().Select(f => PSObject.AsPSObject(f).Text("Id")!).ToArray();

            Assert.Contains("VRFY_ENABLED", Ids(Inspect(Server.Plain)));
            Assert.DoesNotContain("VRFY_ENABLED", Ids(Inspect(Server.Submission)));
        }

        [Theory]
        [InlineData("expired", "CERT_EXPIRED", "expired")]
        [InlineData("wrongHost", "CERT_WRONG_HOST", "wrong host")]
        [InlineData("selfSigned", "CERT_SELF_SIGNED", "self-signed")]
        [InlineData("noIntermediate", "CERT_INCOMPLETE_CHAIN", "incomplete chain")]
        [InlineData("expiring", "CERT_EXPIRING", "valid")]
        [InlineData("weakKey", "CERT_WEAK_KEY", "weak key (RSA 1024)")]
        public void Each_bad_certificate_listener_gets_its_own_finding_and_only_that_one(string listener, string id, string verdict)
        {
            var report = Inspect(Server.Ports[listener], "-Security ImplicitTls");

            Assert.Equal(new[] { id }, Ids(report));
            Assert.Equal(verdict, report.Text("Certificate.Verdict"));
            Assert.NotEmpty(Finding(report, id).Text("Reference") ?? string.Empty);
        }

        [Fact]
        public void Expiring_certificate_finding_says_when_and_the_days_left()
        {
            var report = Inspect(Server.Ports["expiring"], "-Security ImplicitTls");

            var days = (int)report.Get("Certificate.DaysUntilExpiry")!;
            Assert.InRange(days, 8, 10);
            Assert.Equal("Medium", Finding(report, "CERT_EXPIRING").Text("Severity"));
            Assert.Contains($"in {days} days", Finding(report, "CERT_EXPIRING").Text("Message"));
        }

        [Fact]
        public void A_certificate_from_a_CA_the_client_does_not_trust_is_flagged_untrusted_with_the_reason()
        {
            var run = _fixture.PowerShell.Run("Get-SmtpCapability localhost -Port $args[0] -Security ImplicitTls -TimeoutSec 5", Server.Submissions);

            var report = Assert.Single(run.Output);
            Assert.Equal(new[] { "CERT_UNTRUSTED" }, Ids(report));
            Assert.Contains("PartialChain", Finding(report, "CERT_UNTRUSTED").Text("Message"));
        }

        [Fact]
        public void SkipTlsVersionScan_leaves_the_versions_unknown_and_unjudged()
        {
            var report = Inspect(Server.Relay, "-SkipTlsVersionScan");

            Assert.False((bool)report.Get("TlsVersionsScanned")!);
            Assert.Empty(report.Texts("AcceptedTlsVersions"));
            Assert.Equal(new[] { "STARTTLS_ONLY" }, Ids(report));
            Assert.Equal("Tls13", report.Text("TlsProtocol"));
        }

        [Fact]
        public void Security_None_inspects_in_clear_even_where_STARTTLS_is_offered()
        {
            var report = Inspect(Server.Relay, "-Security None");

            Assert.Equal("StartTls", report.Text("Security"));
            Assert.Null(report.Get("Tls"));
            Assert.Null(report.Get("ExtensionsAfterTls"));
            Assert.Contains("STARTTLS", report.Texts("ExtensionsBeforeTls.Keywords"));
            Assert.Empty(report.Texts("TlsVersions"));
        }

        [Fact]
        public void StartTls_asked_of_a_port_without_it_is_an_error_beside_the_partial_report()
        {
            var run = _fixture.PowerShell.Run("Get-SmtpCapability localhost -Port $args[0] -Security StartTls -TimeoutSec 5", Server.Plain);

            var report = Assert.Single(run.Output);
            Assert.Equal("StartTlsNotOffered", report.Text("FailureKind"));
            Assert.Contains("NO_TLS", Ids(report));
            Assert.Equal(new[] { "SmtpTools.StartTlsNotOffered" + Cmdlet }, run.ErrorIds);
        }

        [Fact]
        public void ImplicitTls_asked_of_a_STARTTLS_port_is_a_mismatch_naming_the_mode_it_speaks_and_no_report()
        {
            var run = _fixture.PowerShell.Run("Get-SmtpCapability localhost -Port $args[0] -Security ImplicitTls -TimeoutSec 5", Server.Relay);

            Assert.Empty(run.Output);
            var error = Assert.Single(run.Errors);
            Assert.Equal("SmtpTools.SecurityMismatch" + Cmdlet, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
            Assert.Contains($"localhost:{Server.Relay}", error.ToString());
            Assert.Contains("speaks STARTTLS", error.ToString());
            Assert.Contains("-Security StartTls", error.ToString());
        }

        [Fact]
        public void Credential_is_verified_with_AUTH_PLAIN_inside_STARTTLS_and_shown_masked()
        {
            var run = RunWithCredential(Server.Submission, Server.Password);

            Assert.Empty(run.Errors);
            var report = Assert.Single(run.Output);
            Assert.Equal("Succeeded", report.Text("AuthenticationResult"));
            Assert.Equal("PLAIN", report.Text("AuthenticationMechanism"));
            Assert.StartsWith("235", report.Text("AuthenticationMessage"));
            Assert.Contains(" ~> AUTH PLAIN ****", run.Verbose);
        }

        [Fact]
        public void Credential_is_verified_on_an_implicit_TLS_port()
        {
            var run = RunWithCredential(Server.Submissions, Server.Password, "-Security ImplicitTls");

            Assert.Empty(run.Errors);
            Assert.Equal("Succeeded", Assert.Single(run.Output).Text("AuthenticationResult"));
        }

        [Fact]
        public void A_wrong_password_is_a_failed_authentication_with_the_servers_535()
        {
            var run = RunWithCredential(Server.Submission, "not-" + Server.Password);

            var report = Assert.Single(run.Output);
            Assert.Equal("Failed", report.Text("AuthenticationResult"));
            Assert.StartsWith("535", report.Text("AuthenticationMessage"));
            var error = Assert.Single(run.Errors);
            Assert.Equal("SmtpTools.AuthenticationFailed" + Cmdlet, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
            Assert.Contains(Server.User, error.ToString());
        }

        [Fact]
        public void Credential_is_refused_on_the_plain_port_before_any_byte_of_it_is_sent()
        {
            var run = RunWithCredential(Server.Plain, Server.Password);

            var report = Assert.Single(run.Output);
            Assert.Equal("WithheldNotEncrypted", report.Text("AuthenticationResult"));
            var error = Assert.Single(run.Errors);
            Assert.Equal("SmtpTools.EncryptionRequired" + Cmdlet, error.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.SecurityError, error.CategoryInfo.Category);
            Assert.DoesNotContain(run.Verbose, line => line.Contains("AUTH", StringComparison.Ordinal) && line.StartsWith(" -> ", StringComparison.Ordinal));
            Assert.Contains(run.Verbose, line => line == " -> QUIT");
            AssertNoSecret(run, Server.Password);
        }

        [Fact]
        public void Credential_is_withheld_from_a_server_whose_certificate_is_not_acceptable()
        {
            var run = RunWithCredential(Server.Ports["expired"], Server.Password, "-Security ImplicitTls");

            var report = Assert.Single(run.Output);
            Assert.Equal("WithheldCertificateRejected", report.Text("AuthenticationResult"));
            Assert.Equal(new[] { "SmtpTools.CertificateRejected" + Cmdlet }, run.ErrorIds);
            Assert.DoesNotContain(run.Verbose, line => line.StartsWith(" ~> AUTH", StringComparison.Ordinal));
        }

        [Fact]
        public void SkipCertificateCheck_lets_the_credential_through_a_self_signed_certificate_but_still_reports_it()
        {
            var run = RunWithCredential(Server.Ports["selfSigned"], Server.Password, "-Security ImplicitTls -SkipCertificateCheck");

            var report = Assert.Single(run.Output);
            Assert.True(report.Text("AuthenticationResult") == "Succeeded", string.Join("\n", run.Verbose.Concat(run.Errors.Select(e => e.ToString()))));
            Assert.Contains("CERT_SELF_SIGNED", Ids(report));
            Assert.Contains(run.Warnings, w => w.Contains("-SkipCertificateCheck"));
        }

        [Fact]
        public void The_password_and_its_base64_forms_appear_in_no_stream_of_a_verbose_debug_run()
        {
            var good = RunWithCredential(Server.Submission, Server.Password, "-Debug");
            var wrong = RunWithCredential(Server.Submission, Server.Password + "x", "-Debug");

            Assert.NotEmpty(good.Verbose);
            Assert.Equal("Succeeded", Assert.Single(good.Output).Text("AuthenticationResult"));
            AssertNoSecret(good, Server.Password);
            AssertNoSecret(wrong, Server.Password + "x");
        }

        [Fact]
        public void Security_None_with_a_credential_fails_before_any_network_IO()
        {
            var run = _fixture.PowerShell.Run(
                "Get-SmtpCapability localhost -Port $args[0] -Security None -Credential $args[1]",
                ClosedLoopbackPort.Find(), Credential(Server.User, Server.Password));

            Assert.Empty(run.Output);
            Assert.Equal(new[] { "SmtpTools.CredentialRequiresTls" + Cmdlet }, run.ErrorIds);
        }

        [Fact]
        public void Test_SmtpPort_results_pipe_in_by_property_name_with_their_security_mode()
        {
            var run = _fixture.PowerShell.Run(
                "Test-SmtpPort localhost -Port $args[0], $args[1] -TrustedCertificate $args[2] -TimeoutSec 5 | Get-SmtpCapability -TrustedCertificate $args[2] -TimeoutSec 5",
                Server.Submissions, Server.Relay, Server.CaFile);

            Assert.Empty(run.Errors);
            var bySecurity = run.Output.ToDictionary(o => (int)o.Get("Port")!, o => o.Text("RequestedSecurity"));
            Assert.Equal("ImplicitTls", bySecurity[Server.Submissions]);
            Assert.Equal("StartTls", bySecurity[Server.Relay]);
        }

        [Fact]
        public void A_closed_port_from_Test_SmtpPort_is_a_non_terminating_error_not_a_crash()
        {
            var run = _fixture.PowerShell.Run(
                "Test-SmtpPort localhost -Port $args[0] -TimeoutSec 5 | Get-SmtpCapability -TimeoutSec 5; 'still running'", ClosedLoopbackPort.Find());

            Assert.Null(run.Terminating);
            Assert.Equal(new[] { "still running" }, run.Output.Select(o => o.ToString()));
            Assert.Equal(new[] { "SmtpTools.ConnectionRefused" + Cmdlet }, run.ErrorIds);
        }

        [Fact]
        public void A_not_SMTP_port_from_Test_SmtpPort_is_a_non_terminating_error_that_quotes_what_answered()
        {
            using var ssh = ScriptedListener.Start(ScriptedListener.Banner("SSH-2.0-OpenSSH_9.2\r\n"));

            var run = _fixture.PowerShell.Run("Test-SmtpPort localhost -Port $args[0] -TimeoutSec 5 | Get-SmtpCapability -TimeoutSec 5; 'still running'", ssh.Port);

            Assert.Equal(new[] { "still running" }, run.Output.Select(o => o.ToString()));
            var error = Assert.Single(run.Errors);
            Assert.Equal("SmtpTools.NotSmtp" + Cmdlet, error.FullyQualifiedErrorId);
            Assert.Contains("SSH-2.0", error.ToString());
        }

        [Fact]
        public void Csv_like_rows_pipe_in_in_order_and_a_bad_row_does_not_stop_the_others()
        {
            var run = _fixture.PowerShell.Run(
                "@([pscustomobject]@{ ComputerName = 'localhost'; Port = $args[0]; Security = '' }, " +
                "[pscustomobject]@{ ComputerName = 'localhost'; Port = $args[1] }, " +
                "[pscustomobject]@{ ComputerName = 'localhost'; Port = $args[2]; Security = 'PlainOnly' }) | Get-SmtpCapability -TrustedCertificate $args[3] -TimeoutSec 5",
                Server.Submission, ClosedLoopbackPort.Find(), Server.Plain, Server.CaFile);

            Assert.Equal(new[] { Server.Submission, Server.Plain }, run.Output.Select(o => (int)o.Get("Port")!));
            Assert.Equal("None", run.Output[1].Text("RequestedSecurity"));
            Assert.Equal(new[] { "SmtpTools.ConnectionRefused" + Cmdlet }, run.ErrorIds);
        }

        [Fact]
        public void An_audit_of_many_servers_keeps_those_with_high_findings()
        {
            var run = _fixture.PowerShell.Run(
                "$servers = $args[0..2] | ForEach-Object { [pscustomobject]@{ ComputerName = 'localhost'; Port = $_ } }; " +
                "$servers | Get-SmtpCapability -TrustedCertificate $args[3] -TimeoutSec 5 | Where-Object { $_.Findings.Severity -contains 'High' }",
                Server.Submission, Server.Plain, Server.Ports["wrongHost"], Server.CaFile);

            Assert.Empty(run.Errors);
            Assert.Equal(new[] { Server.Plain, Server.Ports["wrongHost"] }, run.Output.Select(o => (int)o.Get("Port")!));
        }

        [Fact]
        public void List_view_is_the_default_and_shows_each_finding_on_its_own_line()
        {
            Assert.Equal("ListControl", DefaultViewControl("SmtpTools.SmtpCapabilityReport"));
            var lines = RenderedView.Render("Get-SmtpCapability localhost -Port $args[0] -TimeoutSec 5", 400, Server.Plain).Split('\n').Select(l => l.Trim()).ToArray();

            Assert.Contains(lines, l => Regex.IsMatch(l, "^Security +: PlainOnly$"));
            // Each finding starts its own line; its prose is word-wrapped below it.
            Assert.Contains(lines, l => Regex.IsMatch(l, @"^Findings +: \[Critical\] PLAINTEXT_AUTH_IN_CLEAR: "));
            Assert.Contains(lines, l => l.StartsWith("[High] NO_TLS: ", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("[High] AUTH_BEFORE_TLS: ", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.EndsWith("(RFC 4954 4)", StringComparison.Ordinal));
        }

        private PSObject Inspect(int port, string extra = "")
        {
            var run = _fixture.PowerShell.Run($"Get-SmtpCapability -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 {extra}", port, Server.CaFile);
            Assert.Empty(run.Errors);
            return Assert.Single(run.Output);
        }

        // Dovecot delays AUTH from an address after failed attempts (up to 15 s, and every test shares 127.0.0.1): the
        // timeout leaves room for that penalty.
        private PowerShellRun RunWithCredential(int port, string password, string extra = "") =>
            _fixture.PowerShell.Run(
                $"Get-SmtpCapability localhost -Port $args[0] -TrustedCertificate $args[1] -Credential $args[2] -TimeoutSec 20 -Verbose {extra}",
                port, Server.CaFile, Credential(Server.User, password));

        private static PSCredential Credential(string user, string password) => new PSCredential(user, new NetworkCredential(user, password).SecurePassword);

        private void AssertNoSecret(PowerShellRun run, string password)
        {
            var forms = new[]
            {
                password,
                Convert.ToBase64String(Encoding.UTF8.GetBytes(password)),
                Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + Server.User + "\0" + password)), // AUTH PLAIN's token
            };
            var everything = run.AllText
                .Concat(run.Progress.Select(p => p.Activity + " " + p.StatusDescription))
                .Concat(run.Output.Select(o => o.Text("AuthenticationMessage") ?? string.Empty))
                .ToArray();
            Assert.NotEmpty(everything);
            foreach (var form in forms)
            {
                Assert.DoesNotContain(everything, text => text.Contains(form, StringComparison.Ordinal));
            }
        }

        /// <summary>The control of the first view for a type: the one Out-Default uses.</summary>
        private static string DefaultViewControl(string typeName) =>
            Views(typeName).First().Elements().First(e => e.Name.LocalName.EndsWith("Control", StringComparison.Ordinal)).Name.LocalName;

        private static IEnumerable<XElement> Views(string typeName) =>
            XDocument.Load(System.IO.Path.Combine(Repo.Root, "SmtpTools.Format.ps1xml")).Descendants("View")
                .Where(v => v.Element("ViewSelectedBy")!.Elements("TypeName").Any(t => t.Value == typeName));

        private static string[] Ids(PSObject report) => Items(report, "Findings").Select(f => f.Text("Id")!).ToArray();

        private static PSObject Finding(PSObject report, string id) => Assert.Single(Items(report, "Findings"), f => f.Text("Id") == id);

        private static string[] Severities(PSObject report, params string[] ids) => ids.Select(id => Finding(report, id).Text("Severity")!).ToArray();

        private static PSObject[] Items(PSObject report, string property) =>
            ((System.Collections.IEnumerable)report.Get(property)!).Cast<object>().Select(PSObject.AsPSObject).ToArray();

        [Fact]
        public void Auto_inspects_a_server_that_greets_after_the_greeting_wait_as_plaintext()
        {
            using var late = ScriptedListener.Start(ScriptedListener.LateGreeter(TimeSpan.FromSeconds(1.5)));

            var run = _fixture.PowerShell.Run("Get-SmtpCapability -ComputerName 127.0.0.1 -Port $args[0] -TimeoutSec 5", late.Port);

            Assert.Empty(run.Errors);
            var report = Assert.Single(run.Output);
            Assert.Equal("PlainOnly", report.Text("Security"));
            Assert.Equal("220 late.example ESMTP greet pause", report.Text("Banner"));
            Assert.Contains("NO_TLS", Ids(report));
        }
    }
}
