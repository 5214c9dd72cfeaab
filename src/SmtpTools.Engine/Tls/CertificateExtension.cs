using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools.Tls
{
    /// <summary>A certificate's extensions looked up by object identifier.</summary>
    internal static class CertificateExtension
    {
        /// <summary>The certificate's extension with this OID (dotted), or null when it has none.</summary>
        public static X509Extension? Find(X509Certificate2 certificate, string oid) =>
            certificate.Extensions.Cast<X509Extension>().FirstOrDefault(e => e.Oid?.Value == oid);
    }
}
