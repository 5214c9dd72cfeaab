using System;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Capability;
using SmtpTools.Tests.Listeners;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>What reaches the wire when a credential meets a session without TLS: nothing of it, whatever the server offers.</summary>
    public sealed class CredentialHygieneTests
    {
        private const string User = "alice@example.test";
        private const string Password = "Wire-Secret-7f3a";

        [Theory]
        [InlineData(SmtpRequestedSecurity.Auto)]
        [InlineData(SmtpRequestedSecurity.StartTls)]
        public async Task No_byte_of_the_credential_is_sent_to_a_server_offering_AUTH_in_clear(SmtpRequestedSecurity security)
        {
            using var server = ScriptedListener.Start(PlaintextServerWithAuth);
            var options = new SmtpCapabilityOptions
            {
                Connection = new SmtpProbeOptions { Timeout = TimeSpan.FromSeconds(5), HeloName = "client.test" },
                Security = security,
                ScanTlsVersions = false,
                Credential = new NetworkCredential(User, Password),
            };

            var report = await SmtpCapabilityInspector.InspectAsync("127.0.0.1", server.Port, options, CancellationToken.None);

            Assert.Equal(SmtpAuthenticationResult.WithheldNotEncrypted, report.AuthenticationResult);
            var received = server.ReceivedInClearText;
            Assert.Contains("EHLO client.test", received);
            Assert.DoesNotContain("AUTH", received, StringComparison.OrdinalIgnoreCase);
            foreach (var secret in SecretForms())
            {
                Assert.DoesNotContain(secret, received);
            }
        }

        // The password, and every base64 form a SASL exchange would carry it in.
        private static string[] SecretForms() => new[]
        {
            Password,
            Convert.ToBase64String(Encoding.UTF8.GetBytes(Password)),
            Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + User + "\0" + Password)),
        };

        private static async Task PlaintextServerWithAuth(ScriptedConnection connection)
        {
            await connection.SendAsync("220 plain.test ESMTP\r\n");
            while (await connection.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("EHLO", StringComparison.OrdinalIgnoreCase))
                {
                    await connection.SendAsync("250-plain.test\r\n250-SIZE 1000\r\n250 AUTH PLAIN LOGIN\r\n");
                }
                else if (line.StartsWith("QUIT", StringComparison.OrdinalIgnoreCase))
                {
                    await connection.SendAsync("221 bye\r\n");
                    return;
                }
                else
                {
                    await connection.SendAsync("235 2.7.0 anything goes\r\n");
                }
            }
        }
    }
}
