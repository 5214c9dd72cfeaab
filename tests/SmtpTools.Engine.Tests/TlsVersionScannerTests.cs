using System;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Tls;
using SmtpTools.Tls;
using SmtpTools.Tests.Listeners;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    public sealed class TlsVersionScannerTests
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
        private readonly X509Certificate2 _certificate = TestCertificates.SelfSigned;
        private readonly TlsVersionScanner _scanner = new TlsVersionScanner(Timeout, "scanner.test");

        [Fact]
        public async Task Reports_exactly_the_versions_an_implicit_TLS_server_allows()
        {
            using var server = ScriptedListener.Start(async c =>
            {
                await c.UpgradeToTlsAsync(_certificate, SslProtocols.Tls12);
                await c.WaitUntilClosedAsync();
            });

            var versions = await _scanner.ScanAsync(IPAddress.Loopback, server.Port, "localhost", startTls: false, null, CancellationToken.None);

            Assert.Equal(TlsVersionScanner.AllVersions, versions.Select(v => v.Version));
            Assert.Equal(new[] { TlsProtocolVersion.Tls12 }, versions.Where(v => v.IsAccepted).Select(v => v.Version));
            Assert.All(versions.Where(v => v.Version != TlsProtocolVersion.Tls12), v => Assert.Equal(TlsVersionOutcome.Rejected, v.Outcome));
            var tls12 = versions.Single(v => v.Version == TlsProtocolVersion.Tls12);
            Assert.StartsWith("TLS_", tls12.CipherSuite);
            Assert.NotNull(tls12.KeyExchange);
        }

        [Fact]
        public async Task Speaks_SMTP_up_to_STARTTLS_then_hands_the_untouched_connection_to_TLS()
        {
            using var server = ScriptedListener.Start(async c =>
            {
                await c.SendAsync("220 fake.test ESMTP\r\n");
                await c.ReadLineAsync();
                await c.SendAsync("250-fake.test\r\n250-SIZE 1000\r\n250 STARTTLS\r\n");
                await c.ReadLineAsync();
                await c.SendAsync("220 2.0.0 Ready to start TLS\r\n");
                await c.UpgradeToTlsAsync(_certificate, SslProtocols.Tls12 | SslProtocols.Tls13);
                await c.WaitUntilClosedAsync();
            });

            var tls13 = await _scanner.TryVersionAsync(IPAddress.Loopback, server.Port, "localhost", startTls: true, TlsProtocolVersion.Tls13, CancellationToken.None);

            Assert.Equal(TlsVersionOutcome.Accepted, tls13.Outcome);
            Assert.Contains(tls13.CipherSuite, new[] { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" });
            Assert.NotNull(tls13.KeyExchangeGroup);
            Assert.Contains("EHLO scanner.test\r\nSTARTTLS\r\n", server.ReceivedInClearText);
        }

        [Fact]
        public async Task A_plaintext_server_gives_no_verdict_rather_than_a_rejection()
        {
            using var server = ScriptedListener.Start(async c =>
            {
                await c.SendAsync("220 fake.test ESMTP\r\n");
                await c.ReadLineAsync();
            });

            var result = await _scanner.TryVersionAsync(IPAddress.Loopback, server.Port, "localhost", startTls: false, TlsProtocolVersion.Tls12, CancellationToken.None);

            Assert.Equal(TlsVersionOutcome.Failed, result.Outcome);
            Assert.False(result.IsAccepted);
            Assert.NotNull(result.Detail);
        }

        [Fact]
        public async Task A_server_that_never_answers_ends_within_the_timeout()
        {
            using var server = ScriptedListener.Start(ScriptedListener.Tarpit);
            var scanner = new TlsVersionScanner(TimeSpan.FromSeconds(1), "scanner.test");
            var watch = Stopwatch.StartNew();

            var versions = await scanner.ScanAsync(IPAddress.Loopback, server.Port, "localhost", startTls: false, null, CancellationToken.None);

            Assert.All(versions, v => Assert.Equal(TlsVersionOutcome.Failed, v.Outcome));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        }

        [Fact]
        public async Task A_STARTTLS_port_that_does_not_offer_it_gives_no_verdict()
        {
            using var server = ScriptedListener.Start(async c =>
            {
                await c.SendAsync("220 fake.test ESMTP\r\n");
                await c.ReadLineAsync();
                await c.SendAsync("250-fake.test\r\n250 SIZE 1000\r\n");
                await c.ReadLineAsync();
            });

            var result = await _scanner.TryVersionAsync(IPAddress.Loopback, server.Port, "localhost", startTls: true, TlsProtocolVersion.Tls12, CancellationToken.None);

            Assert.Equal(TlsVersionOutcome.Failed, result.Outcome);
            Assert.Contains("STARTTLS", result.Detail);
            Assert.DoesNotContain("STARTTLS", server.ReceivedInClearText);
        }

        [Theory]
        [InlineData(AlertDescription.protocol_version, true, TlsVersionOutcome.Rejected)]
        [InlineData(AlertDescription.protocol_version, false, TlsVersionOutcome.Rejected)]
        [InlineData(AlertDescription.handshake_failure, true, TlsVersionOutcome.AcceptedNoCommonCipher)]
        [InlineData(AlertDescription.insufficient_security, true, TlsVersionOutcome.AcceptedNoCommonCipher)]
        [InlineData(AlertDescription.unexpected_message, false, TlsVersionOutcome.Failed)]
        [InlineData(AlertDescription.inappropriate_fallback, true, TlsVersionOutcome.Failed)]
        public void Only_a_protocol_version_alert_means_the_version_is_refused(short alert, bool received, TlsVersionOutcome expected)
        {
            var result = TlsVersionScanner.FromAlert(TlsProtocolVersion.Tls10, alert, received, TimeSpan.Zero);

            Assert.Equal(expected, result.Outcome);
            Assert.Equal(AlertDescription.GetName(alert), result.Alert);
        }
    }
}
