using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Tests.Revocation
{
    /// <summary>
    /// A test CA that answers revocation questions on loopback: a real <c>openssl ocsp</c> responder process and its CRL
    /// served over HTTP, both started here and stopped on dispose. Leaves it issues name one, the other or a dead port in
    /// their AIA / CRL Distribution Point. One instance per slot at a time. openssl ocsp binds every interface (it has no bind-address option); clients
    /// only ever reach it on 127.0.0.1. Ports: 2480 + SMTPTOOLS_SERVER_PORT_OFFSET (OCSP), +1 (CRL), +2 (nothing listens).
    /// </summary>
    public sealed class RevocationAuthority : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "smtptools-revocation-" + Guid.NewGuid().ToString("N"));
        private readonly RSA _key = RSA.Create(2048);
        private readonly List<(byte[] Serial, string Subject, DateTimeOffset NotAfter, bool Revoked)> _issued = new List<(byte[], string, DateTimeOffset, bool)>();
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly TcpListener _crlListener;
        private Process? _ocsp;
        private byte[] _crl = Array.Empty<byte>();

        /// <summary>Creates the CA and starts the CRL server; <see cref="StartOcspResponder"/> once every leaf is issued.</summary>
        /// <param name="slot">Which three ports, for test assemblies that run at the same time: 2480 + offset + 3 * slot, and the next two.</param>
        public RevocationAuthority(int slot = 0)
        {
            Directory.CreateDirectory(_dir);
            var offset = int.TryParse(Environment.GetEnvironmentVariable("SMTPTOOLS_SERVER_PORT_OFFSET"), out var o) ? o : 0;
            OcspPort = 2480 + offset + (3 * slot);
            CrlPort = OcspPort + 1;
            DeadPort = OcspPort + 2;
            // A subject of its own: the platform caches CRLs by issuer name, so a name shared by CAs would find a stale CRL.
            var request = new CertificateRequest("CN=SmtpTools Revocation Test CA " + Guid.NewGuid().ToString("N"), _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddYears(1));
            _crlListener = new TcpListener(IPAddress.Loopback, CrlPort);
            _crlListener.Start();
            _ = ServeCrlAsync();
        }

        /// <summary>The CA certificate to trust.</summary>
        public X509Certificate2 Authority { get; }

        /// <summary>Where the OCSP responder listens.</summary>
        public int OcspPort { get; }

        /// <summary>Where the CRL is served (GET anything).</summary>
        public int CrlPort { get; }

        /// <summary>A port nothing listens on: a responder that cannot be reached.</summary>
        public int DeadPort { get; }

        /// <summary>Issues a leaf (with its key) for localhost and 127.0.0.1 naming the given OCSP responder and CRL URLs (null: none), revoked or not.</summary>
        public X509Certificate2 Issue(bool revoked, string? ocspUrl, string? crlUrl)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
            if (ocspUrl != null)
            {
                request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension(new[] { ocspUrl }, null));
            }

            if (crlUrl != null)
            {
                request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension(new[] { crlUrl }));
            }

            var serial = RandomNumberGenerator.GetBytes(12);
            serial[0] &= 0x7f;
            var notAfter = DateTimeOffset.UtcNow.AddDays(30);
            using var leaf = request.Create(Authority.SubjectName, X509SignatureGenerator.CreateForRSA(_key, RSASignaturePadding.Pkcs1), DateTimeOffset.UtcNow.AddDays(-1), notAfter, serial);
            _issued.Add((serial, "/CN=localhost", notAfter, revoked));
            _crl = BuildCrl();
            // With its key (a PKCS#12 round trip, so SslStream can use it), for a fake server to present.
            using var withKey = leaf.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }

        /// <summary>The responder URL for <see cref="OcspPort"/>.</summary>
        public string OcspUrl => $"http://127.0.0.1:{OcspPort}/";

        /// <summary>The CRL URL for <see cref="CrlPort"/>.</summary>
        public string CrlUrl => $"http://127.0.0.1:{CrlPort}/ca.crl";

        /// <summary>A URL where nothing answers.</summary>
        public string DeadUrl => $"http://127.0.0.1:{DeadPort}/";

        /// <summary>Starts <c>openssl ocsp</c> over an index of every leaf issued so far and waits until it listens.</summary>
        public void StartOcspResponder()
        {
            var ca = Path.Combine(_dir, "ca.pem");
            var key = Path.Combine(_dir, "ca.key");
            var index = Path.Combine(_dir, "index.txt");
            File.WriteAllText(ca, Authority.ExportCertificatePem());
            File.WriteAllText(key, _key.ExportPkcs8PrivateKeyPem());
            using (var writer = new StreamWriter(index))
            {
                foreach (var (serial, subject, notAfter, revoked) in _issued)
                {
                    var when = notAfter.UtcDateTime.ToString("yyMMddHHmmss'Z'");
                    var revokedAt = revoked ? DateTime.UtcNow.AddHours(-1).ToString("yyMMddHHmmss'Z'") : string.Empty;
                    writer.Write($"{(revoked ? "R" : "V")}\t{when}\t{revokedAt}\t{Convert.ToHexString(serial)}\tunknown\t{subject}\n");
                }
            }

            var start = new ProcessStartInfo("openssl")
            {
                ArgumentList = { "ocsp", "-index", index, "-port", OcspPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-rsigner", ca, "-rkey", key, "-CA", ca, "-ndays", "1", "-ignore_err" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // Ready when it says so: a probe connection would occupy the single-threaded responder.
            var listening = new ManualResetEventSlim();
            void Watch(object sender, DataReceivedEventArgs e)
            {
                if (e.Data?.Contains("waiting for OCSP client connections", StringComparison.Ordinal) == true)
                {
                    listening.Set();
                }
            }

            _ocsp = new Process { StartInfo = start };
            _ocsp.OutputDataReceived += Watch;
            _ocsp.ErrorDataReceived += Watch;
            _ocsp.Start();
            _ocsp.BeginOutputReadLine();
            _ocsp.BeginErrorReadLine();
            if (!listening.Wait(TimeSpan.FromSeconds(10)))
            {
                throw new InvalidOperationException($"openssl ocsp did not start listening on {OcspPort} (exited: {_ocsp.HasExited}; port in use?)");
            }
        }

        /// <inheritdoc />
        public void Dispose()
        {
            _stop.Cancel();
            _crlListener.Stop();
            if (_ocsp is { HasExited: false })
            {
                _ocsp.Kill();
                _ocsp.WaitForExit(5000);
            }

            _ocsp?.Dispose();
            _key.Dispose();
            Directory.Delete(_dir, recursive: true);
        }

        private byte[] BuildCrl()
        {
            var builder = new CertificateRevocationListBuilder();
            foreach (var (serial, _, _, revoked) in _issued)
            {
                if (revoked)
                {
                    builder.AddEntry(serial, DateTimeOffset.UtcNow.AddHours(-1));
                }
            }

            return builder.Build(Authority, BigInteger.One, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, DateTimeOffset.UtcNow.AddMinutes(-5));
        }

        // A minimal HTTP/1.0 server: whatever is asked, the current CRL (application/pkix-crl), then close.
        private async Task ServeCrlAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _crlListener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException || e is ObjectDisposedException || e is SocketException)
                {
                    return;
                }

                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        var buffer = new byte[4096];
                        await stream.ReadAtLeastAsync(buffer, 1, throwOnEndOfStream: false, _stop.Token); // the request line: what it asks does not matter
                        var body = _crl;
                        var head = System.Text.Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                        await stream.WriteAsync(head, _stop.Token);
                        await stream.WriteAsync(body, _stop.Token);
                    }
                    catch (Exception e) when (e is IOException || e is OperationCanceledException || e is SocketException)
                    {
                        // the client went away: its side of the story is the test's
                    }
                }
            }
        }
    }
}
