using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Tls;

namespace SmtpTools.Discovery
{
    /// <summary>
    /// Fetches one autoconfig document over HTTPS: the host resolved with the discovery resolver, the certificate verified
    /// against the host name with the caller's policy, HTTP/1.0 (no chunking, the server closes), at most
    /// <see cref="SmtpDiscoveryOptions.MaxAutoconfigBytes"/>, the whole fetch bounded by the timeout. Redirects are followed
    /// to https:// only (three at most): a document fetched in clear could be forged on the path.
    /// </summary>
    internal sealed class AutoconfigFetcher
    {
        private const int MaxRedirects = 3;
        private readonly DnsResolver _dns;
        private readonly SmtpDiscoveryOptions _options;

        public AutoconfigFetcher(DnsResolver dns, SmtpDiscoveryOptions options)
        {
            _dns = dns;
            _options = options;
        }

        /// <summary>The document's text, or null when there is none (the name does not resolve, 404, nothing listens).</summary>
        /// <exception cref="AutoconfigException">There is a server, but its answer cannot be trusted or used (certificate, redirect to http, too large, timeout, HTTP error).</exception>
        public async Task<string?> FetchAsync(Uri uri, CancellationToken cancellationToken)
        {
            for (var hop = 0; ; hop++)
            {
                var (status, location, body) = await GetAsync(uri, cancellationToken).ConfigureAwait(false);
                if (status == 200)
                {
                    return body;
                }

                if (status == 404 || status == 410)
                {
                    return null;
                }

                if (status >= 300 && status < 400 && location != null)
                {
                    if (!Uri.TryCreate(uri, location, out var next) || next.Scheme != Uri.UriSchemeHttps)
                    {
                        throw new AutoconfigException(uri, $"it redirects to {SmtpTools.Protocol.SmtpReplyReader.Printable(location, 100)}, which is not https://: a document fetched in clear could be forged, so it was not followed");
                    }

                    if (hop == MaxRedirects)
                    {
                        throw new AutoconfigException(uri, $"more than {MaxRedirects} redirects");
                    }

                    _options.Transcript?.Invoke($"autoconfig: {uri} redirects to {next}");
                    uri = next;
                    continue;
                }

                throw new AutoconfigException(uri, $"HTTP status {status}");
            }
        }

        private async Task<(int Status, string? Location, string Body)> GetAsync(Uri uri, CancellationToken cancellationToken)
        {
            System.Net.IPAddress[] addresses;
            try
            {
                addresses = await _dns.ResolveHostAsync(uri.IdnHost, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpConnectionException e) when (e.InnerException is DnsLookupException dns)
            {
                throw dns; // the resolver failed (timeout, SERVFAIL): a DNS failure, reported as such
            }
            catch (SmtpConnectionException e) when (e.Kind == SmtpFailureKind.NameNotResolved)
            {
                _options.Transcript?.Invoke($"autoconfig: {uri.IdnHost} does not resolve: no document there");
                return (404, null, string.Empty);
            }

            using (var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                bound.CancelAfter(_options.Timeout);
                Socket socket;
                try
                {
                    (socket, _, _) = await Protocol.SmtpWireSession.ConnectSocketAsync(addresses, uri.Port, _options.Timeout, null, bound.Token).ConfigureAwait(false);
                }
                catch (SmtpConnectionException e) when (e.Kind == SmtpFailureKind.ConnectionRefused)
                {
                    _options.Transcript?.Invoke($"autoconfig: {uri.IdnHost}:{uri.Port} refuses connections: no document there");
                    return (404, null, string.Empty);
                }
                catch (SmtpConnectionException e)
                {
                    throw new AutoconfigException(uri, e.Message, e);
                }

                using (socket)
                using (bound.Token.Register(() => socket.Dispose()))
                using (var network = new NetworkStream(socket, ownsSocket: false))
                {
                    SmtpCertificateInfo? certificate = null;
                    using (var tls = new SslStream(network, false, (sender, cert, chain, errors) =>
                    {
                        certificate = CertificateInspector.InspectHandshake(cert, chain, uri.IdnHost, _options.CertificatePolicy);
                        return certificate != null && (certificate.IsAcceptable || _options.CertificatePolicy.SkipValidation);
                    }))
                    {
                        try
                        {
                            await tls.AuthenticateAsClientAsync(uri.IdnHost, null, SmtpMailSession.ToSslProtocols(TlsProtocolVersion.Tls12), false).ConfigureAwait(false);
                            var request = $"GET {uri.PathAndQuery} HTTP/1.0\r\nHost: {uri.Authority}\r\nAccept: text/xml, application/xml\r\nUser-Agent: SmtpTools\r\nConnection: close\r\n\r\n";
                            var bytes = Encoding.ASCII.GetBytes(request);
                            await tls.WriteAsync(bytes, 0, bytes.Length, bound.Token).ConfigureAwait(false);
                            var response = await ReadBoundedAsync(tls, uri, bound.Token).ConfigureAwait(false);
                            return Parse(uri, response);
                        }
                        catch (AuthenticationException e)
                        {
                            var why = certificate == null ? e.Message : $"its certificate is {certificate.Verdict}";
                            throw new AutoconfigException(uri, why + " (trust a private CA with -TrustedCertificate)", e);
                        }
                        catch (Exception e) when ((e is IOException || e is ObjectDisposedException || e is OperationCanceledException) && !cancellationToken.IsCancellationRequested)
                        {
                            throw new AutoconfigException(uri, bound.IsCancellationRequested ? $"no complete answer within {_options.Timeout.TotalSeconds:0.#} s" : "the connection broke: " + e.Message, e);
                        }
                    }
                }
            }
        }

        private static async Task<byte[]> ReadBoundedAsync(Stream stream, Uri uri, CancellationToken cancellationToken)
        {
            var buffer = new byte[SmtpDiscoveryOptions.MaxAutoconfigBytes + 1];
            var filled = 0;
            while (true)
            {
                var read = await stream.ReadAsync(buffer, filled, buffer.Length - filled, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                filled += read;
                if (filled > SmtpDiscoveryOptions.MaxAutoconfigBytes)
                {
                    throw new AutoconfigException(uri, $"the answer is larger than {SmtpDiscoveryOptions.MaxAutoconfigBytes / 1024} KiB, far beyond any autoconfig document; it was not read");
                }
            }

            var result = new byte[filled];
            Array.Copy(buffer, result, filled);
            return result;
        }

        private static (int Status, string? Location, string Body) Parse(Uri uri, byte[] response)
        {
            var text = Encoding.UTF8.GetString(response);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0 || !text.StartsWith("HTTP/1.", StringComparison.Ordinal) || text.Length < 12
                || !int.TryParse(text.Substring(9, 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status))
            {
                throw new AutoconfigException(uri, "the answer is not HTTP");
            }

            string? location = null;
            foreach (var line in text.Substring(0, end).Split(new[] { "\r\n" }, StringSplitOptions.None))
            {
                if (line.StartsWith("Location:", StringComparison.OrdinalIgnoreCase))
                {
                    location = line.Substring("Location:".Length).Trim();
                }
            }

            return (status, location, text.Substring(end + 4));
        }
    }
}
