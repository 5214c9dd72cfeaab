using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>
    /// A throwaway CA made in the test process, and server certificates for fake servers: a good one for localhost and
    /// 127.0.0.1 (trust <see cref="Authority"/> with -TrustedCertificate), and each bad kind a client must refuse.
    /// Nothing touches a certificate store; made once per process (RSA key generation is slow).
    /// </summary>
    public static class TestCertificates
    {
        private static readonly Lazy<(X509Certificate2 Certificate, RSA Key)> Root = new Lazy<(X509Certificate2, RSA)>(() => MakeAuthority("CN=SmtpTools Fault Test CA"));
        private static readonly Lazy<(X509Certificate2 Certificate, RSA Key)> OtherRoot = new Lazy<(X509Certificate2, RSA)>(() => MakeAuthority("CN=SmtpTools Untrusted Test CA"));
        private static readonly Lazy<X509Certificate2> GoodLeaf = new Lazy<X509Certificate2>(() => Leaf(Root.Value, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));
        private static readonly Lazy<X509Certificate2> ExpiredLeaf = new Lazy<X509Certificate2>(() => Leaf(Root.Value, "localhost", DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddDays(-30)));
        private static readonly Lazy<X509Certificate2> WrongHostLeaf = new Lazy<X509Certificate2>(() => Leaf(Root.Value, "mail.elsewhere.test", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));
        private static readonly Lazy<X509Certificate2> UntrustedLeaf = new Lazy<X509Certificate2>(() => Leaf(OtherRoot.Value, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));
        private static readonly Lazy<X509Certificate2> SelfSignedLeaf = new Lazy<X509Certificate2>(MakeSelfSigned);
        private static readonly Lazy<string> AuthorityPem = new Lazy<string>(WriteAuthorityFile);

        /// <summary>The CA to trust (public part only).</summary>
        public static X509Certificate2 Authority => X509CertificateLoader.LoadCertificate(Root.Value.Certificate.RawData);

        /// <summary>A PEM file holding <see cref="Authority"/>, for scripts that pass a path.</summary>
        public static string AuthorityFile => AuthorityPem.Value;

        /// <summary>Valid for localhost, 127.0.0.1 and ::1, issued by <see cref="Authority"/>.</summary>
        public static X509Certificate2 Good => GoodLeaf.Value;

        /// <summary>Issued by <see cref="Authority"/> for localhost, expired a month ago.</summary>
        public static X509Certificate2 Expired => ExpiredLeaf.Value;

        /// <summary>Issued by <see cref="Authority"/> for another host name.</summary>
        public static X509Certificate2 WrongHost => WrongHostLeaf.Value;

        /// <summary>For localhost, issued by a CA nobody trusts.</summary>
        public static X509Certificate2 Untrusted => UntrustedLeaf.Value;

        /// <summary>For localhost, signed by itself.</summary>
        public static X509Certificate2 SelfSigned => SelfSignedLeaf.Value;

        private static (X509Certificate2, RSA) MakeAuthority(string subject)
        {
            var key = RSA.Create(2048);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            return (request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow.AddYears(1)), key);
        }

        private static X509Certificate2 Leaf((X509Certificate2 Certificate, RSA Key) issuer, string host, DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            using var key = RSA.Create(2048);
            var request = LeafRequest(host, key);
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
            var serial = RandomNumberGenerator.GetBytes(12);
            serial[0] &= 0x7f;
            using var signed = request.Create(issuer.Certificate.SubjectName, X509SignatureGenerator.CreateForRSA(issuer.Key, RSASignaturePadding.Pkcs1), notBefore, notAfter, serial);
            return WithKey(signed, key);
        }

        private static X509Certificate2 MakeSelfSigned()
        {
            using var key = RSA.Create(2048);
            using var self = LeafRequest("localhost", key).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            return X509CertificateLoader.LoadPkcs12(self.Export(X509ContentType.Pkcs12), null);
        }

        private static CertificateRequest LeafRequest(string host, RSA key)
        {
            var request = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(host);
            if (host == "localhost")
            {
                names.AddIpAddress(IPAddress.Loopback);
                names.AddIpAddress(IPAddress.IPv6Loopback);
            }

            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
            return request;
        }

        // A PKCS#12 round trip gives a certificate whose key SslStream can use on every platform.
        private static X509Certificate2 WithKey(X509Certificate2 certificate, RSA key)
        {
            using var withKey = certificate.CopyWithPrivateKey(key);
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }

        private static string WriteAuthorityFile()
        {
            var path = Path.Combine(Path.GetTempPath(), $"smtptools-fault-ca-{Environment.ProcessId}.pem");
            File.WriteAllText(path, Root.Value.Certificate.ExportCertificatePem());
            AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
            return path;
        }
    }
}
