using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using DnsClient;
using DnsClient.Protocol;

namespace SmtpTools.Discovery
{
    /// <summary>
    /// Finds a domain's SMTP endpoints from what it publishes: RFC 6186 / RFC 8314 SRV records (<c>_submissions._tcp</c>
    /// implicit TLS, <c>_submission._tcp</c> STARTTLS; a lone "." target means not offered, RFC 6186 3.3), the Thunderbird
    /// autoconfig document (autoconfig.&lt;domain&gt;, then &lt;domain&gt;/.well-known/autoconfig/), MX records (relay on 25),
    /// and optionally the conventional names smtp. and mail. as guesses. All questions go out at once; each candidate's
    /// host is resolved with the same resolver.
    /// </summary>
    public sealed class SmtpServerDiscovery
    {
        internal const string ImplicitTlsService = "_submissions._tcp";
        internal const string StartTlsService = "_submission._tcp";
        private static readonly string[] GuessPrefixes = { "smtp", "mail" };

        private readonly DnsResolver _dns;
        private readonly SmtpDiscoveryOptions _options;
        private readonly AutoconfigFetcher _autoconfig;

        /// <summary>Creates a discovery that asks <paramref name="dns"/>.</summary>
        public SmtpServerDiscovery(DnsResolver dns, SmtpDiscoveryOptions options)
        {
            _dns = dns ?? throw new ArgumentNullException(nameof(dns));
            _options = options ?? throw new ArgumentNullException(nameof(options));
            _autoconfig = new AutoconfigFetcher(dns, options);
        }

        /// <summary>Everything <paramref name="domain"/> publishes about sending mail.</summary>
        /// <exception cref="DnsLookupException">NameNotFound: the domain does not exist (NXDOMAIN for its MX question).</exception>
        /// <exception cref="SmtpConnectionException">NameNotResolved: <paramref name="domain"/> cannot be a domain name; nothing was asked.</exception>
        public async Task<SmtpDiscoveryResult> DiscoverAsync(string domain, CancellationToken cancellationToken)
        {
            var name = (domain ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant();
            var problem = Probing.HostNameSyntax.FindProblem(name);
            if (problem != null || IPAddress.TryParse(name.Trim('[', ']'), out _))
            {
                throw Probing.HostNameSyntax.Invalid(domain ?? string.Empty, problem ?? "an address is not a domain");
            }

            var failures = new List<Exception>();
            var notOffered = new List<string>();
            var implicitTls = Ask(() => SrvAsync(name, ImplicitTlsService, SmtpPublishedSecurity.ImplicitTls, failures, notOffered, cancellationToken));
            var startTls = Ask(() => SrvAsync(name, StartTlsService, SmtpPublishedSecurity.StartTls, failures, notOffered, cancellationToken));
            var mx = Ask(() => MxAsync(name, failures, cancellationToken));
            var autoconfig = Ask(() => AutoconfigAsync(name, failures, cancellationToken));
            await Task.WhenAll(implicitTls, startTls, mx, autoconfig).ConfigureAwait(false);

            var candidates = implicitTls.Result.Concat(startTls.Result)
                .OrderBy(c => c.Priority).ThenByDescending(c => c.Weight)
                .Concat(autoconfig.Result)
                .Concat(mx.Result.OrderBy(c => c.Preference))
                .ToList();
            if (_options.IncludeGuesses)
            {
                candidates.AddRange(await GuessesAsync(name, candidates, cancellationToken).ConfigureAwait(false));
            }

            await ResolveAddressesAsync(candidates, cancellationToken).ConfigureAwait(false);
            DiscoveryFindingRules.AddPublishedFindings(candidates, notOffered);
            var asked = $"SRV {ImplicitTlsService}.{name} and {StartTlsService}.{name}, MX {name}, and the autoconfig documents at "
                + string.Join(" and ", AutoconfigUris(name)) + $", asking {_dns.Servers}";
            lock (failures)
            {
                return new SmtpDiscoveryResult(name, candidates, failures.ToList(), notOffered.ToList(), asked);
            }
        }

        /// <summary>Where the autoconfig document is looked for, in order (Thunderbird's order for a domain's own server).</summary>
        internal IEnumerable<Uri> AutoconfigUris(string domain)
        {
            yield return Https($"autoconfig.{domain}", "/mail/config-v1.1.xml");
            yield return Https(domain, "/.well-known/autoconfig/mail/config-v1.1.xml");
        }

        private Uri Https(string host, string path) =>
            new UriBuilder(Uri.UriSchemeHttps, host, _options.AutoconfigPort == 443 ? -1 : _options.AutoconfigPort, path).Uri;

        private static Task<List<SmtpServerCandidate>> Ask(Func<Task<List<SmtpServerCandidate>>> question) => Task.Run(question);

        private static void Record<T>(List<T> list, T item)
        {
            lock (list)
            {
                list.Add(item);
            }
        }

        // A question whose failure (SERVFAIL, timeout...) is recorded, so the other sources still count; null then.
        private async Task<DnsAnswer<T>?> AskAsync<T>(string name, QueryType type, List<Exception> failures, CancellationToken cancellationToken)
            where T : DnsResourceRecord
        {
            try
            {
                return await _dns.QueryAsync<T>(name, type, cancellationToken).ConfigureAwait(false);
            }
            catch (DnsLookupException e)
            {
                Record(failures, e);
                return null;
            }
        }

        private async Task<List<SmtpServerCandidate>> SrvAsync(string domain, string service, SmtpPublishedSecurity security, List<Exception> failures, List<string> notOffered, CancellationToken cancellationToken)
        {
            var owner = $"{service}.{domain}";
            var list = new List<SmtpServerCandidate>();
            var answer = await AskAsync<SrvRecord>(owner, QueryType.SRV, failures, cancellationToken).ConfigureAwait(false);
            if (answer == null)
            {
                return list;
            }

            _options.Transcript?.Invoke($"DNS {owner} SRV: {Describe(answer.Records.Count, answer.NameExists)} (from {answer.Server}{(answer.Authenticated ? ", AD" : string.Empty)})");
            if (answer.Records.Count == 1 && IsRoot(answer.Records[0].Target))
            {
                // RFC 6186 3.3: a lone "." target says the service is decidedly not available.
                _options.Transcript?.Invoke($"DNS {owner} SRV: \".\": {domain} says this service is not offered (RFC 6186 3.3)");
                Record(notOffered, owner);
                return list;
            }

            foreach (var record in answer.Records.Where(r => !IsRoot(r.Target)))
            {
                list.Add(new SmtpServerCandidate(domain, HostOf(record.Target), record.Port, security, SmtpServerSource.Srv, $"{owner}. SRV {record.Priority} {record.Weight} {record.Port} {record.Target.Value}")
                {
                    Priority = record.Priority,
                    Weight = record.Weight,
                    DnssecAuthenticated = answer.Authenticated,
                });
            }

            return list;
        }

        private async Task<List<SmtpServerCandidate>> MxAsync(string domain, List<Exception> failures, CancellationToken cancellationToken)
        {
            var list = new List<SmtpServerCandidate>();
            var answer = await AskAsync<MxRecord>(domain, QueryType.MX, failures, cancellationToken).ConfigureAwait(false);
            if (answer == null)
            {
                return list;
            }

            if (!answer.NameExists)
            {
                throw new DnsLookupException(DnsFailureKind.NameNotFound, domain, "MX", answer.Server,
                    $"DNS: the domain '{domain}' does not exist (NXDOMAIN from {answer.Server} for {domain} MX). Check the spelling.");
            }

            _options.Transcript?.Invoke($"DNS {domain} MX: {Describe(answer.Records.Count, true)} (from {answer.Server}{(answer.Authenticated ? ", AD" : string.Empty)})");
            foreach (var record in answer.Records.Where(r => !IsRoot(r.Exchange)))
            {
                // A null MX ("0 .", RFC 7505) says the domain takes no mail: no candidate.
                list.Add(new SmtpServerCandidate(domain, HostOf(record.Exchange), _options.MxPort, SmtpPublishedSecurity.Relay, SmtpServerSource.Mx, $"{domain}. MX {record.Preference} {record.Exchange.Value}")
                {
                    Preference = record.Preference,
                    DnssecAuthenticated = answer.Authenticated,
                });
            }

            return list;
        }

        private async Task<List<SmtpServerCandidate>> AutoconfigAsync(string domain, List<Exception> failures, CancellationToken cancellationToken)
        {
            var list = new List<SmtpServerCandidate>();
            foreach (var uri in AutoconfigUris(domain))
            {
                try
                {
                    var xml = await _autoconfig.FetchAsync(uri, cancellationToken).ConfigureAwait(false);
                    if (xml == null)
                    {
                        continue;
                    }

                    var servers = AutoconfigDocument.OutgoingServers(xml, domain, uri);
                    _options.Transcript?.Invoke($"autoconfig {uri}: {servers.Count} outgoing server(s)");
                    for (var i = 0; i < servers.Count; i++)
                    {
                        var (host, port, security, socketType) = servers[i];
                        list.Add(new SmtpServerCandidate(domain, host, port, security, SmtpServerSource.Autoconfig, $"{uri}: outgoingServer {host} port {port} socketType {SmtpTools.Protocol.SmtpReplyReader.Printable(socketType, 20)}")
                        {
                            Priority = i,
                        });
                    }

                    return list; // the first document found is the one clients use
                }
                catch (Exception e) when (e is AutoconfigException || e is DnsLookupException)
                {
                    Record(failures, e);
                }
            }

            return list;
        }

        private async Task<List<SmtpServerCandidate>> GuessesAsync(string domain, List<SmtpServerCandidate> published, CancellationToken cancellationToken)
        {
            var guesses = new List<SmtpServerCandidate>();
            foreach (var prefix in GuessPrefixes)
            {
                var host = $"{prefix}.{domain}";
                foreach (var (port, security) in new[] { (465, SmtpPublishedSecurity.ImplicitTls), (587, SmtpPublishedSecurity.StartTls) })
                {
                    if (!published.Any(c => c.Port == port && string.Equals(c.ComputerName, host, StringComparison.OrdinalIgnoreCase)))
                    {
                        guesses.Add(new SmtpServerCandidate(domain, host, port, security, SmtpServerSource.Guess, $"a guess: {host} on {port}, the conventional name and port; nothing published it"));
                    }
                }
            }

            await ResolveAddressesAsync(guesses, cancellationToken).ConfigureAwait(false);
            return guesses.Where(g => g.Addresses.Count > 0).ToList(); // a guess that does not resolve is no candidate
        }

        private async Task ResolveAddressesAsync(IReadOnlyList<SmtpServerCandidate> candidates, CancellationToken cancellationToken)
        {
            var hosts = candidates.Where(c => c.Addresses.Count == 0).Select(c => c.ComputerName).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var lookups = hosts.ToDictionary(h => h, h => ResolveOrEmptyAsync(h, cancellationToken), StringComparer.OrdinalIgnoreCase);
            await Task.WhenAll(lookups.Values).ConfigureAwait(false);
            foreach (var candidate in candidates.Where(c => lookups.ContainsKey(c.ComputerName)))
            {
                var (addresses, failure) = lookups[candidate.ComputerName].Result;
                candidate.Addresses = addresses;
                candidate.ResolutionFailure = failure;
            }
        }

        private async Task<(IReadOnlyList<IPAddress>, string?)> ResolveOrEmptyAsync(string host, CancellationToken cancellationToken)
        {
            try
            {
                return (await _dns.ResolveHostAsync(host, cancellationToken).ConfigureAwait(false), null);
            }
            catch (SmtpConnectionException e)
            {
                _options.Transcript?.Invoke($"DNS {host}: {e.Message}");
                return (Array.Empty<IPAddress>(), e.Message);
            }
        }

        private static bool IsRoot(DnsString name) => name.Value == "." || name.Value.Length == 0;

        private static string HostOf(DnsString name) => name.Value.TrimEnd('.');

        private static string Describe(int count, bool exists) =>
            !exists ? "no such name" : count == 0 ? "no records" : count.ToString(CultureInfo.InvariantCulture) + " record(s)";
    }
}
