using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// SmtpTools keeps working in a session where another module already loaded other versions of MailKit, MimeKit and
    /// BouncyCastle: its own copies load into its private load context, beside the others.
    /// </summary>
    public sealed class DependencyIsolationTests : IClassFixture<DependencyConflictScenario>
    {
        private const string ModuleContext = "SmtpTools.Commands.ModuleLoadContext";

        private readonly DependencyConflictScenario _scenario;

        public DependencyIsolationTests(DependencyConflictScenario scenario) => _scenario = scenario;

        public static TheoryData<string> Dependencies => new TheoryData<string> { "MailKit", "MimeKit", "BouncyCastle.Cryptography" };

        [Fact]
        public void The_scenario_ends_without_any_error()
        {
            Assert.True(_scenario.ExitCode == 0, $"exit {_scenario.ExitCode}\n{_scenario.Output}\n{_scenario.Errors}");
            Assert.Equal(string.Empty, _scenario.Errors.Trim());
        }

        [Theory]
        [MemberData(nameof(Dependencies))]
        public void Another_module_s_copy_is_loaded_first_in_the_default_context(string dependency)
        {
            Assert.Equal("1.0.0@Default", _scenario.Fact("Before." + dependency));
        }

        [Fact]
        public void Test_SmtpPort_still_negotiates_implicit_TLS_and_verifies_the_certificate()
        {
            Assert.Equal("Open", _scenario.Fact("Probe.Status"));
            Assert.Equal("ImplicitTls", _scenario.Fact("Probe.Security"));
            Assert.Equal("valid", _scenario.Fact("Probe.Certificate"));
        }

        [Fact]
        public void The_engine_reads_the_certificate_names_with_its_own_BouncyCastle()
        {
            // SmtpTools.Engine parses the subjectAltName extension with BouncyCastle: the stand-in has no such types.
            Assert.Contains("DNS:localhost", _scenario.Fact("Probe.SubjectAlternativeNames").Split(", "));
            Assert.Contains($"{DependencyConflictScenario.ShippedVersion("BouncyCastle.Cryptography")}@{ModuleContext}", _scenario.Fact("After.BouncyCastle.Cryptography").Split(", "));
        }

        [Fact]
        public void The_engine_lives_in_the_module_s_private_load_context()
        {
            Assert.EndsWith("@" + ModuleContext, _scenario.Fact("Engine"));
        }

        [Fact]
        public void Send_SecureMail_still_sends_and_the_message_arrives()
        {
            Assert.Equal("Sent", _scenario.Fact("Send.Status"));
            Assert.NotNull(TestServer.Instance.WaitForMessage(TestServer.Instance.User, _scenario.Fact("Send.Subject")));
        }

        [Theory]
        [MemberData(nameof(Dependencies))]
        public void After_the_probe_and_the_send_both_copies_are_loaded_one_per_context(string dependency)
        {
            Assert.Equal(
                new[] { "1.0.0@Default", $"{DependencyConflictScenario.ShippedVersion(dependency)}@{ModuleContext}" },
                _scenario.Fact("After." + dependency).Split(", "));
        }

        [Fact]
        public void The_cmdlet_assembly_binds_to_no_mail_library_itself()
        {
            // SmtpTools.dll loads in the default context; a direct reference would bind to the other module's copy.
            var references = _scenario.Fact("Cmdlets.References").Split(", ");
            Assert.Contains("SmtpTools.Engine", references);
            Assert.DoesNotContain("MailKit", references);
            Assert.DoesNotContain("MimeKit", references);
            Assert.DoesNotContain("BouncyCastle.Cryptography", references);
        }
    }
}
