using System;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Authentication;
using SmtpTools.Tests.Identity;
using SmtpTools.Tests.Listeners;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The device-code flow waits for a sign-in that may never come: Ctrl+C (the cmdlet's cancellation) ends the wait at once.</summary>
    public sealed class DeviceCodeCancellationTests
    {
        [Fact]
        public async Task Cancelling_while_the_user_has_not_signed_in_ends_the_wait_promptly()
        {
            using var signing = RSA.Create(2048);
            await using var idp = await TestIdentityProvider.StartAsync(signing.ExportPkcs8PrivateKeyPem(), "cancel-test", TestCertificates.Good);
            var app = idp.Register(new TestClientRegistration { DeviceUser = "nobody@smtptools.test", PendingPolls = int.MaxValue });
            using var ctrlC = new CancellationTokenSource();
            string? prompt = null;
            var request = new SmtpTokenRequest
            {
                Flow = SmtpTokenFlow.DeviceCode,
                TenantId = app.TenantId,
                ClientId = app.ClientId,
                Authority = idp.BaseAddress,
                CertificatePolicy = new CertificatePolicy(new[] { TestCertificates.Authority }),
                DeviceCodePrompt = message =>
                {
                    prompt = message;
                    ctrlC.CancelAfter(TimeSpan.FromSeconds(1));
                },
            };

            var watch = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SmtpTokenAcquirer.AcquireAsync(request, ctrlC.Token));

            Assert.Contains("enter the code", prompt);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
            Assert.DoesNotContain(idp.Requests, r => r.Granted);
        }
    }
}
