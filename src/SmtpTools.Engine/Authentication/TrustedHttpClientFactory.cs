using System;
using System.Net.Http;
using Microsoft.Identity.Client;

namespace SmtpTools.Authentication
{
    /// <summary>
    /// The HTTP clients MSAL and Google.Apis.Auth talk to the identity provider with: the identity provider's TLS
    /// certificate judged by the same policy as an SMTP server's (so -TrustedCertificate works for a private CA), and
    /// every request bounded by -TimeoutSec.
    /// </summary>
    internal sealed class TrustedHttpClientFactory : Google.Apis.Http.HttpClientFactory, IMsalHttpClientFactory
    {
        private readonly CertificatePolicy _policy;
        private readonly TimeSpan _timeout;
        private readonly Lazy<HttpClient> _client;

        public TrustedHttpClientFactory(CertificatePolicy policy, TimeSpan timeout)
        {
            _policy = policy;
            _timeout = timeout;
            _client = new Lazy<HttpClient>(() => new HttpClient(NewHandler()) { Timeout = _timeout });
        }

        /// <summary>MSAL wants one client for the application's lifetime.</summary>
        public HttpClient GetHttpClient() => _client.Value;

        protected override HttpMessageHandler CreateHandler(Google.Apis.Http.CreateHttpClientArgs args) => NewHandler();

        private HttpClientHandler NewHandler() => new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (request, certificate, chain, errors) =>
                certificate != null && Tls.CertificateInspector.InspectHandshake(certificate, chain, request.RequestUri?.IdnHost ?? string.Empty, _policy)?.IsAcceptable == true,
            UseProxy = true,
        };
    }
}
