using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using MimeKit;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>Send-SecureMail is Send-MailMessage with one word changed: same parameter names, types and meaning.</summary>
    public sealed class SendMailMessageCompatibilityTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;

        public SendMailMessageCompatibilityTests(ModuleFixture fixture) => _fixture = fixture;

        // Send-MailMessage's parameters as documented (PowerShell 7.x, Microsoft.PowerShell.Utility), with their types.
        public static TheoryData<string, Type> SendMailMessageParameters => new TheoryData<string, Type>
        {
            { "From", typeof(string) },
            { "To", typeof(string[]) },
            { "Cc", typeof(string[]) },
            { "Bcc", typeof(string[]) },
            { "ReplyTo", typeof(string[]) },
            { "Subject", typeof(string) },
            { "Body", typeof(string) },
            { "BodyAsHtml", typeof(SwitchParameter) },
            { "Attachments", typeof(string[]) },
            { "Priority", typeof(System.Net.Mail.MailPriority) },
            { "DeliveryNotificationOption", typeof(System.Net.Mail.DeliveryNotificationOptions) },
            { "Encoding", typeof(System.Text.Encoding) },
            { "SmtpServer", typeof(string) },
            { "Port", typeof(int) },
            { "Credential", typeof(PSCredential) },
            { "UseSsl", typeof(SwitchParameter) },
        };

        [Theory]
        [MemberData(nameof(SendMailMessageParameters))]
        public void Every_Send_MailMessage_parameter_exists_with_a_compatible_type(string name, Type type)
        {
            var run = _fixture.PowerShell.Run("(Get-Command Send-SecureMail).Parameters[$args[0]]", name);
            var parameter = Assert.Single(run.Objects<ParameterMetadata>());
            Assert.Equal(type, parameter.ParameterType);
        }

        [Theory]
        [InlineData("PsPath", "Attachments")]
        [InlineData("DNO", "DeliveryNotificationOption")]
        [InlineData("BAH", "BodyAsHtml")]
        [InlineData("BE", "Encoding")]
        [InlineData("ComputerName", "SmtpServer")]
        [InlineData("sub", "Subject")]
        public void Send_MailMessage_aliases_are_kept(string alias, string parameter)
        {
            var run = _fixture.PowerShell.Run("(Get-Command Send-SecureMail).Parameters[$args[0]].Aliases", parameter);
            Assert.Contains(alias, run.Output.Select(o => o.ToString()));
        }

        [Fact]
        public void Positions_match_Send_MailMessage_To_Subject_Body_SmtpServer()
        {
            var run = _fixture.PowerShell.Run(
                "$p = (Get-Command Send-SecureMail).Parameters; 'To', 'Subject', 'Body', 'SmtpServer' | ForEach-Object { $p[$_].ParameterSets['__AllParameterSets'].Position }");
            Assert.Equal(new[] { 0, 1, 2, 3 }, run.Output.Select(o => (int)o.BaseObject).ToArray());
        }

        [Fact]
        public void A_Send_MailMessage_script_works_after_renaming_the_command()
        {
            var marker = "compat-" + Guid.NewGuid().ToString("N");
            var dir = Directory.CreateTempSubdirectory("compat-");
            try
            {
                var attachment = Path.Combine(dir.FullName, "nightly.log");
                File.WriteAllText(attachment, "backup finished\n");

                // A scheduled-task script as admins write it for Send-MailMessage, using every one of its parameters.
                var original = string.Join("\n",
                    "param($User, $Password, $Marker, $Port, $Attachment)",
                    "$credential = [pscredential]::new($User, [System.Net.NetworkCredential]::new('', $Password).SecurePassword)",
                    "$mail = @{",
                    "    From                       = 'Backup Job <alice@smtptools.test>'",
                    "    To                         = 'alice@smtptools.test'",
                    "    Cc                         = 'bob@smtptools.test'",
                    "    Bcc                        = 'alice@smtptools.test'",
                    "    ReplyTo                    = 'ops@smtptools.test'",
                    "    Subject                    = \"Nightly backup $Marker\"",
                    "    Body                       = '<h1>Backup</h1><p>finished</p>'",
                    "    BodyAsHtml                 = $true",
                    "    Attachments                = $Attachment",
                    "    Priority                   = 'High'",
                    "    DeliveryNotificationOption = 'OnFailure'",
                    "    Encoding                   = 'UTF8'",
                    "    SmtpServer                 = 'localhost'",
                    "    Port                       = $Port",
                    "    Credential                 = $credential",
                    "    UseSsl                     = $true",
                    "}",
                    "Send-MailMessage @mail -ErrorAction Stop");
                var script = Path.Combine(dir.FullName, "nightly.ps1");
                File.WriteAllText(script, original.Replace("Send-MailMessage", "Send-SecureMail"));

                // The test server's CA is private; a real server's certificate chains to a public root and needs nothing.
                var run = _fixture.PowerShell.Run(
                    "$PSDefaultParameterValues['Send-SecureMail:TrustedCertificate'] = $args[0]; " +
                    "try { & $args[1] $args[2] $args[3] $args[4] $args[5] $args[6] } finally { $PSDefaultParameterValues.Remove('Send-SecureMail:TrustedCertificate') }",
                    _fixture.Server.CaFile, script, _fixture.Server.User, _fixture.Server.Password, marker, _fixture.Server.Submission, attachment);

                Assert.Null(run.Terminating);
                Assert.Empty(run.Errors);
                var file = _fixture.Server.WaitForMessageFile(_fixture.Server.OtherUser, marker);
                Assert.NotNull(file);
                var message = MimeMessage.Load(file!);
                Assert.Equal("Nightly backup " + marker, message.Subject);
                Assert.Contains("<h1>Backup</h1>", message.HtmlBody);
                Assert.Equal("nightly.log", message.Attachments.OfType<MimePart>().Single().FileName);
                Assert.Equal("ops@smtptools.test", message.ReplyTo.Mailboxes.Single().Address);
                Assert.Equal("1 (Highest)", message.Headers[HeaderId.XPriority]);
                Assert.Null(message.Headers[HeaderId.Bcc]);
                Assert.NotNull(_fixture.Server.WaitForMessageFile(_fixture.Server.User, marker));
            }
            finally
            {
                dir.Delete(true);
            }
        }
    }
}
