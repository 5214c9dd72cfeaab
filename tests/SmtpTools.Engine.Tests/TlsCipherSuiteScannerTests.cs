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
    /// <summary>The cipher scan against fakes, for what the real Postfix will not do: dropping or stalling mid-scan.</summary>
    public sealed class TlsCipherSuiteScannerTests
    {
        private readonly X509Certificate2 _certificate = TestCertificates.SelfSigned;

        [Fact]
        public async Task Finds_the_TLS_1_3_suites_an_implicit_TLS_server_accepts()
        {
            using var server = ScriptedListener.Start(Tls13Only);
            var scanner = new TlsCipherSuiteScanner(TimeSpan.FromSeconds(5), "scanner.test");

            var scan = Assert.Single(await scanner.ScanAsync(IPAddress.Loopback, server.Port, "localhost", startTls: false, new[] { TlsProtocolVersion.Tls13 }, CancellationToken.None));

            Assert.True(scan.IsComplete, scan.Detail);
            Assert.Contains("TLS_AES_256_GCM_SHA384", scan.AcceptedCipherSuites.Select(s => s.Name));
            Assert.All(scan.AcceptedCipherSuites, s => Assert.Equal(TlsProtocolVersion.Tls13, s.Version));
            Assert.NotEqual(TlsCipherOrder.Unknown, scan.Order);
            Assert.Equal(scan.AcceptedCount + 1 + 2 + (scan.Order == TlsCipherOrder.Server ? scan.AcceptedCount - 1 : 0), scan.Handshakes);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task A_server_that_drops_or_stalls_connections_mid_scan_ends_the_scan_within_its_bound_as_incomplete(bool stall)
        {
            var connections = 0;
            using var server = ScriptedListener.Start(async c =>
            {
                if (Interlocked.Increment(ref connections) <= 1)
                {
                    await Tls13Only(c);
                }
                else if (stall)
                {
                    await c.WaitUntilClosedAsync();
                }
                else
                {
                    await c.ReadAsync(new byte[64]); // part of the ClientHello, then hang up
                }
            });
            var timeout = TimeSpan.FromSeconds(1);
            var scanner = new TlsCipherSuiteScanner(timeout, "scanner.test");
            var watch = Stopwatch.StartNew();

            var scans = await scanner.ScanAsync(IPAddress.Loopback, server.Port, "localhost", startTls: false, new[] { TlsProtocolVersion.Tls13 }, CancellationToken.None);

            Assert.True(watch.Elapsed < TimeSpan.FromTicks(timeout.Ticks * (TlsCipherSuiteScanner.TimeoutsPerScan + 2)), $"took {watch.Elapsed}");
            var scan = Assert.Single(scans);
            Assert.False(scan.IsComplete);
            Assert.False(string.IsNullOrEmpty(scan.Detail));
            Assert.Single(scan.AcceptedCipherSuites); // what the first connection said is kept
        }

        [Fact]
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // SslStream takes a cipher policy only from OpenSSL (the suite runs on Linux)
        public async Task A_server_that_imposes_its_order_is_reported_so_with_each_suite_ranked()
        {
            // OpenSSL (under SslStream) picks by the server's list when the policy gives one, whatever the client offers first.
            var order = new[] { System.Net.Security.TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, System.Net.Security.TlsCipherSuite.TLS_AES_128_GCM_SHA256, System.Net.Security.TlsCipherSuite.TLS_AES_256_GCM_SHA384 };
            using var server = ScriptedListener.Start(async c =>
            {
                using var ssl = new System.Net.Security.SslStream(c.Network, leaveInnerStreamOpen: true);
                var options = new System.Net.Security.SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    EnabledSslProtocols = SslProtocols.Tls13,
                    CipherSuitesPolicy = new System.Net.Security.CipherSuitesPolicy(order),
                };
                await ssl.AuthenticateAsServerAsync(options, c.Closing);
                await c.WaitUntilClosedAsync();
            });
            var scanner = new TlsCipherSuiteScanner(TimeSpan.FromSeconds(5), "scanner.test");

            var scan = Assert.Single(await scanner.ScanAsync(IPAddress.Loopback, server.Port, "localhost", startTls: false, new[] { TlsProtocolVersion.Tls13 }, CancellationToken.None));

            Assert.True(scan.IsComplete, scan.Detail);
            Assert.Equal(TlsCipherOrder.Server, scan.Order);
            Assert.Equal(order.Select(o => o.ToString()), scan.AcceptedCipherSuites.Select(s => s.Name));
            Assert.Equal(new int?[] { 1, 2, 3 }, scan.AcceptedCipherSuites.Select(s => s.Preference));
        }

        [Fact]
        public async Task A_version_the_server_refuses_is_left_out_after_one_connection()
        {
            using var server = ScriptedListener.Start(Tls13Only);
            var scanner = new TlsCipherSuiteScanner(TimeSpan.FromSeconds(5), "scanner.test");

            var scans = await scanner.ScanAsync(IPAddress.Loopback, server.Port, "localhost", startTls: false, new[] { TlsProtocolVersion.Tls12 }, CancellationToken.None);

            Assert.Empty(scans);
            Assert.Equal(1, server.AcceptedCount);
        }

        [Fact]
        public void A_handshake_failure_alert_means_no_suite_in_common_and_protocol_version_a_refused_version()
        {
            Assert.Equal(CipherOfferOutcome.NoneInCommon, ServerHelloReader.TryRead(Alert(AlertDescription.handshake_failure), 7, TlsProtocolVersion.Tls12)!.Outcome);
            Assert.Equal(CipherOfferOutcome.VersionRefused, ServerHelloReader.TryRead(Alert(AlertDescription.protocol_version), 7, TlsProtocolVersion.Tls12)!.Outcome);
            Assert.Equal(CipherOfferOutcome.Failed, ServerHelloReader.TryRead(Alert(AlertDescription.decode_error), 7, TlsProtocolVersion.Tls12)!.Outcome);
        }

        [Fact]
        public void The_chosen_suite_is_read_from_a_ServerHello_split_over_two_records_and_needs_all_its_bytes()
        {
            var hello = ServerHello(0x0303, sessionIdLength: 32, suite: 0xC02F);
            var records = Record(22, hello.Take(20).ToArray()).Concat(Record(22, hello.Skip(20).ToArray())).ToArray();

            Assert.Null(ServerHelloReader.TryRead(records, 30, TlsProtocolVersion.Tls12));
            var offer = ServerHelloReader.TryRead(records, records.Length, TlsProtocolVersion.Tls12)!;
            Assert.Equal(CipherOfferOutcome.Chosen, offer.Outcome);
            Assert.Equal(0xC02F, offer.Suite);
        }

        [Fact]
        public void A_ServerHello_for_another_version_or_a_plaintext_answer_is_a_failure_not_an_answer()
        {
            var tls10 = Record(22, ServerHello(0x0301, sessionIdLength: 0, suite: 0x002F));
            var plaintext = System.Text.Encoding.ASCII.GetBytes("220 mail.test ESMTP\r\n");

            Assert.Equal(CipherOfferOutcome.Failed, ServerHelloReader.TryRead(tls10, tls10.Length, TlsProtocolVersion.Tls12)!.Outcome);
            Assert.Contains("plaintext", ServerHelloReader.TryRead(plaintext, plaintext.Length, TlsProtocolVersion.Tls12)!.Detail);
        }

        [Fact]
        public void The_candidates_include_the_legacy_suites_BouncyCastle_cannot_complete_but_not_those_needing_credentials()
        {
            var tls10 = TlsCipherSuiteCatalog.CandidatesFor(TlsProtocolVersion.Tls10).Select(TlsParameterNames.CipherSuite).ToArray();
            var tls13 = TlsCipherSuiteCatalog.CandidatesFor(TlsProtocolVersion.Tls13).Select(TlsParameterNames.CipherSuite).ToArray();

            Assert.Contains("TLS_RSA_WITH_RC4_128_SHA", tls10);
            Assert.Contains("TLS_RSA_EXPORT_WITH_RC4_40_MD5", tls10);
            Assert.Contains("TLS_DH_anon_WITH_AES_128_CBC_SHA", tls10);
            Assert.Contains("TLS_RSA_WITH_NULL_SHA", tls10);
            Assert.DoesNotContain(tls10, n => n.Contains("_PSK_") || n.Contains("_SRP_") || n.Contains("GCM"));
            Assert.Subset(tls13.ToHashSet(), new[] { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_8_SHA256" }.ToHashSet());
            Assert.DoesNotContain(tls13, n => n.Contains("_WITH_"));
        }

        [Theory]
        [InlineData("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TlsCipherWeakness.None)]
        [InlineData("TLS_AES_128_GCM_SHA256", TlsCipherWeakness.None)]
        [InlineData("TLS_DH_anon_WITH_AES_128_CBC_SHA", TlsCipherWeakness.Anonymous | TlsCipherWeakness.CbcSha1)]
        [InlineData("TLS_RSA_EXPORT_WITH_RC4_40_MD5", TlsCipherWeakness.Export | TlsCipherWeakness.Rc4 | TlsCipherWeakness.NoForwardSecrecy | TlsCipherWeakness.Md5)]
        [InlineData("TLS_RSA_WITH_3DES_EDE_CBC_SHA", TlsCipherWeakness.TripleDes | TlsCipherWeakness.NoForwardSecrecy | TlsCipherWeakness.CbcSha1)]
        [InlineData("TLS_ECDH_ECDSA_WITH_NULL_SHA", TlsCipherWeakness.NullEncryption | TlsCipherWeakness.NoForwardSecrecy)]
        [InlineData("TLS_RSA_WITH_AES_128_CBC_SHA256", TlsCipherWeakness.NoForwardSecrecy)]
        public void Each_suite_is_judged_by_its_name(string name, TlsCipherWeakness expected)
        {
            Assert.Equal(expected, TlsCipherSuiteCatalog.WeaknessOf(name));
        }

        // An implicit-TLS server that speaks TLS 1.3 only (SslStream, so OpenSSL's default suites).
        private async Task Tls13Only(ScriptedConnection c)
        {
            await c.UpgradeToTlsAsync(_certificate, SslProtocols.Tls13);
            await c.WaitUntilClosedAsync();
        }

        private static byte[] Alert(short description) => Record(21, new byte[] { 2, (byte)description });

        private static byte[] Record(byte type, byte[] body) =>
            new byte[] { type, 3, 3, (byte)(body.Length >> 8), (byte)body.Length }.Concat(body).ToArray();

        private static byte[] ServerHello(int version, int sessionIdLength, int suite)
        {
            var body = new byte[] { (byte)(version >> 8), (byte)version }
                .Concat(new byte[32])
                .Concat(new[] { (byte)sessionIdLength }).Concat(new byte[sessionIdLength])
                .Concat(new[] { (byte)(suite >> 8), (byte)suite, (byte)0, (byte)0, (byte)0 })
                .ToArray();
            return new byte[] { 2, 0, (byte)(body.Length >> 8), (byte)body.Length }.Concat(body).ToArray();
        }
    }
}
