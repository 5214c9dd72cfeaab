using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using SmtpTools.Tests.Identity;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// The tests' identity provider, started once per test process on an ephemeral loopback port with the test
    /// server's localhost certificate (so -TrustedCertificate $ca trusts it) and the signing key Dovecot trusts.
    /// Each test registers its own application, so tests never share a client's state.
    /// </summary>
    public static class TestIdentity
    {
        private static readonly Lazy<TestIdentityProvider> Shared = new Lazy<TestIdentityProvider>(Start, LazyThreadSafetyMode.ExecutionAndPublication);

        public static TestIdentityProvider Provider => Shared.Value;

        private static TestIdentityProvider Start()
        {
            var server = TestServer.Instance;
            var tls = X509Certificate2.CreateFromPemFile(server.TlsCertificateFile, server.TlsKeyFile);
            var chain = new X509Certificate2Collection(X509CertificateLoader.LoadCertificateFromFile(server.TlsIntermediateFile));
            return TestIdentityProvider.StartAsync(File.ReadAllText(server.TokenSigningKeyFile), server.TokenKeyId, tls, chain).GetAwaiter().GetResult();
        }
    }
}
