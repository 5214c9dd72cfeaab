using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using DnsClient;
using DnsClient.Protocol;

namespace SmtpTools.Discovery
{
    /// <summary>
    /// DNS questions for discovery and probing, on DnsClient: the system's resolvers, or the servers named with
    /// -DnsServer. Every question is bounded by the timeout (one try per server, then TCP on truncation), never cached,
    /// and asks with the DO bit so a validating resolver returns the AD bit (RFC 6840 5.7).
    /// </summary>
    public sealed class DnsResolver
    {
        private readonly LookupClient _client;
        private readonly TimeSpan _timeout;

        /// <summary>A resolver asking <paramref name="servers"/>, or the system's resolvers when there are none.</summary>
        /// <exception cref="DnsLookupException">Unreachable: no servers given and the system names none.</exception>
        public DnsResolver(IReadOnlyList<IPEndPoint>? servers, TimeSpan timeout)
        {
            _timeout = timeout;
            var chosen = servers != null && servers.Count > 0;
            NameServer[] nameServers;
            try
            {
                // Never DnsClient's fallback to a public resolver: a system without resolvers gets an error instead.
                nameServers = chosen
                    ? servers!.Select(s => new NameServer(s)).ToArray()
                    : NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false).ToArray();
            }
            catch (InvalidOperationException e)
            {
                throw NoServers(e);
            }

            if (nameServers.Length == 0)
            {
                throw NoServers(null);
            }

            var options = new LookupClientOptions(nameServers) { AutoResolveNameServers = false };
            options.Timeout = timeout;
            options.Retries = 0;
            options.UseCache = false;
            options.ThrowDnsErrors = false;
            options.ContinueOnDnsError = true;
            options.ContinueOnEmptyResponse = false;
            options.UseTcpFallback = true;
            options.RequestDnsSecRecords = true;
            _client = new LookupClient(options);
            var list = string.Join(", ", nameServers.Select(Format));
            Servers = chosen ? list : "the system resolvers (" + list + ")";
        }

        /// <summary>This computer's resolvers as -DnsServer takes them ("192.0.2.53:53"); empty when it names none. Sends nothing.</summary>
        public static IReadOnlyList<string> SystemServers()
        {
            try
            {
                return NameServer.ResolveNameServers(skipIPv6SiteLocal: true, fallbackToGooglePublicDns: false).Select(Format).Distinct().ToList();
            }
            catch (InvalidOperationException)
            {
                return Array.Empty<string>();
            }
        }

        /// <summary>Who is asked, for messages: "127.0.0.1:53", or "the system resolvers (...)".</summary>
        public string Servers { get; }

        /// <summary>Asks for <paramref name="type"/> records of <paramref name="name"/>. NXDOMAIN and an empty answer are answers, not exceptions.</summary>
        /// <exception cref="DnsLookupException">ServerFailure, Refused, TimedOut or Unreachable.</exception>
        internal async Task<DnsAnswer<T>> QueryAsync<T>(string name, QueryType type, CancellationToken cancellationToken)
            where T : DnsResourceRecord
        {
            IDnsQueryResponse response;
            using (var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                // DnsClient's own timeout covers one try; this bounds the whole question (all servers, TCP fallback).
                bound.CancelAfter(_timeout + _timeout);
                try
                {
                    response = await AskAsync(new DnsQuestion(name, type, QueryClass.IN), bound.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Failure(DnsFailureKind.TimedOut, name, type, $"no answer within {_timeout.TotalSeconds:0.#} s", null);
                }
                catch (DnsResponseException e) when (e.Code == DnsResponseCode.ConnectionTimeout)
                {
                    throw Failure(DnsFailureKind.TimedOut, name, type, $"no answer within {_timeout.TotalSeconds:0.#} s", e);
                }
                catch (DnsResponseException e)
                {
                    throw Failure(DnsFailureKind.Unreachable, name, type, e.DnsError, e);
                }
                catch (DnsXidMismatchException e)
                {
                    throw Failure(DnsFailureKind.Unreachable, name, type, "three answers in a row were for other questions", e);
                }
                catch (SocketException e)
                {
                    throw Failure(DnsFailureKind.Unreachable, name, type, e.SocketErrorCode.ToString(), e);
                }
            }

            var server = response.NameServer == null ? Servers : Format(response.NameServer);
            switch (response.Header.ResponseCode)
            {
                case DnsHeaderResponseCode.NoError:
                    break;
                case DnsHeaderResponseCode.NotExistentDomain:
                    return new DnsAnswer<T>(Array.Empty<T>(), false, response.Header.IsAuthenticData, server);
                case DnsHeaderResponseCode.ServerFailure:
                    throw Failure(DnsFailureKind.ServerFailure, name, type, "SERVFAIL: the server could not answer (a broken zone, an unreachable authoritative server, or a DNSSEC validation failure)", null, server);
                default:
                    throw Failure(DnsFailureKind.Refused, name, type, $"{response.Header.ResponseCode.ToString().ToUpperInvariant()}: the server will not answer this question", null, server);
            }

            var records = response.Answers.OfType<T>().ToList();
            return new DnsAnswer<T>(records, true, response.Header.IsAuthenticData, server);
        }

        // Under many parallel questions DnsClient's pooled UDP sockets sometimes read a late answer meant for an earlier
        // question (DnsClient.NET issues 145 and 209) and, with no retries configured, throw instead of asking again. That
        // answer says nothing about ours: ask again, within the same bound.
        private async Task<IDnsQueryResponse> AskAsync(DnsQuestion question, CancellationToken cancellationToken)
        {
            const int attempts = 3;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await _client.QueryAsync(question, cancellationToken).ConfigureAwait(false);
                }
                catch (DnsXidMismatchException) when (attempt < attempts)
                {
                }
            }
        }

        /// <summary>A host's IPv6 and IPv4 addresses (AAAA first, as the system resolver orders them on dual-stack hosts).</summary>
        /// <exception cref="SmtpConnectionException">NameNotResolved (no such name, no address records, or the server failed) or TimedOut.</exception>
        public async Task<IPAddress[]> ResolveHostAsync(string host, CancellationToken cancellationToken)
        {
            var name = host.TrimEnd('.');
            try
            {
                var v6 = QueryAsync<AaaaRecord>(name, QueryType.AAAA, cancellationToken);
                var v4 = QueryAsync<ARecord>(name, QueryType.A, cancellationToken);
                var six = await v6.ConfigureAwait(false);
                var four = await v4.ConfigureAwait(false);
                var addresses = six.Records.Select(r => r.Address).Concat(four.Records.Select(r => r.Address)).ToArray();
                if (addresses.Length == 0)
                {
                    throw new SmtpConnectionException(SmtpFailureKind.NameNotResolved, four.NameExists
                        ? $"The name '{name}' has no address records (A, AAAA; asked {four.Server})."
                        : $"The name '{name}' does not exist (NXDOMAIN from {four.Server}). Check the spelling and DNS.");
                }

                return addresses;
            }
            catch (DnsLookupException e)
            {
                throw new SmtpConnectionException(e.Failure == DnsFailureKind.TimedOut ? SmtpFailureKind.TimedOut : SmtpFailureKind.NameNotResolved, e.Message, e);
            }
        }

        private static string Format(NameServer server) =>
            IPAddress.TryParse(server.Address, out var address) ? DnsServerAddress.Format(new IPEndPoint(address, server.Port)) : server.ToString();

        private DnsLookupException Failure(DnsFailureKind kind, string name, QueryType type, string why, Exception? inner, string? server = null)
        {
            var asked = server ?? Servers;
            return new DnsLookupException(kind, name, type.ToString(), asked, $"DNS: {name} {type} asked of {asked}: {why}.", inner);
        }

        private static DnsLookupException NoServers(Exception? inner) =>
            new DnsLookupException(DnsFailureKind.Unreachable, string.Empty, string.Empty, "the system resolvers",
                "DNS: this system names no DNS server. Name one with -DnsServer.", inner);
    }
}
