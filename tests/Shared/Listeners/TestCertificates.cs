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
        private static readonly Lazy<(X509Certificate2 Certificate, RSA Key)> ExpiredRootCa = new Lazy<(X509Certificate2, RSA)>(() => MakeAuthority("CN=SmtpTools Expired Test Root", DateTimeOffset.UtcNow.AddDays(-400), DateTimeOffset.UtcNow.AddDays(-10)));
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

        /// <summary>Issued through an intermediate that expired a month ago; the server sends the intermediate.</summary>
        public static ServerChain ExpiredIntermediate => Intermediated(DateTimeOffset.UtcNow.AddDays(-400), DateTimeOffset.UtcNow.AddDays(-30));

        /// <summary>Issued through an intermediate whose validity begins next month; the server sends the intermediate.</summary>
        public static ServerChain NotYetValidIntermediate => Intermediated(DateTimeOffset.UtcNow.AddDays(30), DateTimeOffset.UtcNow.AddDays(400));

        /// <summary>A good leaf whose root (the one to trust) expired ten days ago.</summary>
        public static ServerChain ExpiredRoot => new ServerChain(
            Leaf(ExpiredRootCa.Value, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)),
            Array.Empty<X509Certificate2>(),
            X509CertificateLoader.LoadCertificate(ExpiredRootCa.Value.Certificate.RawData));

        /// <summary>For localhost, issued by <see cref="Authority"/> for TLS client authentication only (EKU clientAuth).</summary>
        public static X509Certificate2 ClientAuthOnly => Leaf(Root.Value, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), usage: "1.3.6.1.5.5.7.3.2");

        /// <summary>CN=localhost and no subject alternative name at all.</summary>
        public static X509Certificate2 CommonNameOnly => Leaf(Root.Value, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), withNames: false);

        /// <summary>CN=localhost, but the only subject alternative name is IP:127.0.0.1.</summary>
        public static X509Certificate2 IpOnlyNamedLocalhost => Leaf(Root.Value, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), ipOnly: true);

        /// <summary>For localhost, issued by <see cref="Authority"/> with a SHA-1 (sha1WithRSAEncryption) signature.</summary>
        public static X509Certificate2 Sha1Signed => Leaf(Root.Value, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), signature: LegacySignature.Sha1);

        /// <summary>For localhost, issued by <see cref="Authority"/> with an MD5 (md5WithRSAEncryption) signature.</summary>
        public static X509Certificate2 Md5Signed => Leaf(Root.Value, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), signature: LegacySignature.Md5);

        /// <summary>For localhost, issued by <see cref="Authority"/>, with an RSA 1024-bit key.</summary>
        public static X509Certificate2 Rsa1024 => Leaf(Root.Value, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), keyBits: 1024);

        private static ServerChain Intermediated(DateTimeOffset notBefore, DateTimeOffset notAfter)
        {
            var intermediate = MakeAuthority("CN=SmtpTools Test Intermediate", notBefore, notAfter, Root.Value);
            var leaf = Leaf(intermediate, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            return new ServerChain(leaf, new[] { X509CertificateLoader.LoadCertificate(intermediate.Certificate.RawData) }, Authority);
        }

        private static (X509Certificate2 Certificate, RSA Key) MakeAuthority(string subject) => MakeAuthority(subject, DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow.AddYears(1));

        private static (X509Certificate2 Certificate, RSA Key) MakeAuthority(string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, (X509Certificate2 Certificate, RSA Key)? issuer = null)
        {
            var key = RSA.Create(2048);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            if (issuer is not { } parent)
            {
                return (request.CreateSelfSigned(notBefore, notAfter), key);
            }

            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(parent.Certificate, true, false));
            using var signed = request.Create(parent.Certificate.SubjectName, X509SignatureGenerator.CreateForRSA(parent.Key, RSASignaturePadding.Pkcs1), notBefore, notAfter, Serial());
            return (X509CertificateLoader.LoadCertificate(signed.RawData), key);
        }

        private static X509Certificate2 Leaf(
            (X509Certificate2 Certificate, RSA Key) issuer,
            string host,
            DateTimeOffset notBefore,
            DateTimeOffset notAfter,
            string usage = "1.3.6.1.5.5.7.3.1",
            bool withNames = true,
            bool ipOnly = false,
            LegacySignature signature = LegacySignature.None,
            int keyBits = 2048)
        {
            using var key = RSA.Create(keyBits);
            var request = LeafRequest(host, key, usage, withNames, ipOnly);
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
            var generator = signature == LegacySignature.None
                ? X509SignatureGenerator.CreateForRSA(issuer.Key, RSASignaturePadding.Pkcs1)
                : new LegacyRsaSignatureGenerator(issuer.Key, signature);
            using var signed = request.Create(issuer.Certificate.SubjectName, generator, notBefore, notAfter, Serial());
            return WithKey(signed, key);
        }

        private static byte[] Serial()
        {
            var serial = RandomNumberGenerator.GetBytes(12);
            serial[0] &= 0x7f;
            return serial;
        }

        private static X509Certificate2 MakeSelfSigned()
        {
            using var key = RSA.Create(2048);
            using var self = LeafRequest("localhost", key).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            return X509CertificateLoader.LoadPkcs12(self.Export(X509ContentType.Pkcs12), null);
        }

        private static CertificateRequest LeafRequest(string host, RSA key, string usage = "1.3.6.1.5.5.7.3.1", bool withNames = true, bool ipOnly = false)
        {
            var request = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            if (!ipOnly)
            {
                names.AddDnsName(host);
            }

            if (host == "localhost")
            {
                names.AddIpAddress(IPAddress.Loopback);
                if (!ipOnly)
                {
                    names.AddIpAddress(IPAddress.IPv6Loopback);
                }
            }

            if (withNames)
            {
                request.CertificateExtensions.Add(names.Build());
            }

            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(usage) }, false));
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

        private enum LegacySignature
        {
            None,
            Sha1,
            Md5,
        }

        // .NET refuses to sign certificates with MD5 and SHA-1 itself; hostile servers still present them.
        private sealed class LegacyRsaSignatureGenerator : X509SignatureGenerator
        {
            private readonly RSA _key;
            private readonly LegacySignature _signature;

            public LegacyRsaSignatureGenerator(RSA key, LegacySignature signature)
            {
                _key = key;
                _signature = signature;
            }

            // AlgorithmIdentifier { md5WithRSAEncryption (1.2.840.113549.1.1.4) or sha1WithRSAEncryption (...1.5), NULL }
            public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) =>
                new byte[] { 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, _signature == LegacySignature.Md5 ? (byte)0x04 : (byte)0x05, 0x05, 0x00 };

            public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
                _key.SignData(data, _signature == LegacySignature.Md5 ? HashAlgorithmName.MD5 : HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

            protected override PublicKey BuildPublicKey() => throw new NotSupportedException("Only issues certificates for other keys.");
        }
    }
}
