using System;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;

namespace SmtpTools.Tls
{
    /// <summary>
    /// One OCSP question (RFC 6960) about a leaf, POSTed to the responder its Authority Information Access names,
    /// answered by a response signed by the issuer or by a responder certificate the issuer delegated (id-kp-OCSPSigning).
    /// Anything else (no answer in time, a malformed or unsigned response, a status for another certificate) is "no answer".
    /// </summary>
    internal static class OcspQuery
    {
        private const string OcspSigningOid = "1.3.6.1.5.5.7.3.9";
        private const string AuthorityInformationAccessOid = "1.3.6.1.5.5.7.1.1";
        private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);
        private static readonly Lazy<HttpClient> Http = new Lazy<HttpClient>(() => new HttpClient(new HttpClientHandler { UseProxy = false, AllowAutoRedirect = false }));

        /// <summary>The responder URLs (http only, as RFC 6960 A.1 has them) in the leaf's Authority Information Access.</summary>
        public static string[] ResponderUrls(X509Certificate2 leaf)
        {
            var extension = CertificateExtension.Find(leaf, AuthorityInformationAccessOid);
            if (extension == null)
            {
                return Array.Empty<string>();
            }

            try
            {
                return AuthorityInformationAccess.GetInstance(Asn1Object.FromByteArray(extension.RawData))
                    .GetAccessDescriptions()
                    .Where(d => d.AccessMethod.Equals(AccessDescription.IdADOcsp) && d.AccessLocation.TagNo == GeneralName.UniformResourceIdentifier)
                    .Select(d => DerIA5String.GetInstance(d.AccessLocation.Name).GetString())
                    .Where(u => u.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                    .ToArray();
            }
            catch (Exception e) when (e is ArgumentException || e is InvalidOperationException || e is System.IO.IOException)
            {
                return Array.Empty<string>();
            }
        }

        /// <summary>True: revoked; false: good; null: no usable answer (the reason in <paramref name="why"/>).</summary>
        public static bool? IsRevoked(X509Certificate2 leaf, X509Certificate2 issuer, string url, TimeSpan timeout, out string why)
        {
            var bcLeaf = new X509CertificateParser().ReadCertificate(leaf.RawData);
            var bcIssuer = new X509CertificateParser().ReadCertificate(issuer.RawData);
            var id = new CertificateID(CertificateID.DigestSha1, bcIssuer, bcLeaf.SerialNumber);
            var generator = new OcspReqGenerator();
            generator.AddRequest(id);
            byte[] answer;
            try
            {
                using (var cancel = new CancellationTokenSource(timeout))
                using (var request = new HttpRequestMessage(HttpMethod.Post, url) { Version = new Version(1, 0), Content = new ByteArrayContent(generator.Generate().GetEncoded()) })
                {
                    // HTTP/1.0 and one request per connection: what every responder speaks (openssl ocsp included).
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
                    request.Headers.ConnectionClose = true;
                    using (var response = Http.Value.SendAsync(request, cancel.Token).GetAwaiter().GetResult())
                    {
                        if (!response.IsSuccessStatusCode)
                        {
                            why = $"HTTP {(int)response.StatusCode} from {url}";
                            return null;
                        }

                        answer = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
                    }
                }
            }
            catch (OperationCanceledException)
            {
                why = $"no answer from {url} within {timeout.TotalSeconds:0.#} s";
                return null;
            }
            catch (Exception e) when (e is HttpRequestException || e is System.IO.IOException)
            {
                why = $"no answer from {url} ({(e.InnerException ?? e).Message})";
                return null;
            }

            try
            {
                var response = new OcspResp(answer);
                if (response.Status != OcspRespStatus.Successful || !(response.GetResponseObject() is BasicOcspResp basic))
                {
                    why = $"{url} answered with OCSP status {response.Status}";
                    return null;
                }

                if (!SignedByIssuerOrDelegate(basic, bcIssuer))
                {
                    why = $"the response from {url} is not signed by the issuer or a responder it delegated";
                    return null;
                }

                var now = DateTime.UtcNow;
                var single = basic.Responses.FirstOrDefault(r => r.GetCertID().Equals(id));
                if (single == null || single.ThisUpdate > now + ClockSkew || (single.NextUpdate != null && single.NextUpdate.Value < now - ClockSkew))
                {
                    why = $"the response from {url} is for another certificate, or not current";
                    return null;
                }

                var status = single.GetCertStatus();
                if (status is RevokedStatus)
                {
                    why = $"revoked (OCSP, {url})";
                    return true;
                }

                if (status is UnknownStatus)
                {
                    why = $"{url} does not know the certificate";
                    return null;
                }

                why = $"good (OCSP, {url})";
                return false;
            }
            catch (Exception e) when (e is System.IO.IOException || e is ArgumentException || e is OcspException || e is Org.BouncyCastle.Security.Certificates.CertificateException || e is InvalidOperationException)
            {
                why = $"a malformed response from {url}";
                return null;
            }
        }

        private static bool SignedByIssuerOrDelegate(BasicOcspResp basic, Org.BouncyCastle.X509.X509Certificate issuer)
        {
            if (basic.Verify(issuer.GetPublicKey()))
            {
                return true;
            }

            // RFC 6960 4.2.2.2: a responder certificate issued by the CA itself, for OCSP signing.
            return basic.GetCerts().Any(responder =>
            {
                try
                {
                    responder.Verify(issuer.GetPublicKey());
                    return responder.GetExtendedKeyUsage().Any(u => u.Id == OcspSigningOid) && responder.IsValidNow && basic.Verify(responder.GetPublicKey());
                }
                catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException || e is Org.BouncyCastle.Security.SignatureException || e is Org.BouncyCastle.Security.Certificates.CertificateException)
                {
                    return false;
                }
            });
        }
    }
}
