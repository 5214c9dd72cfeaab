using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using DnsClient;
using DnsClient.Protocol;
using SmtpTools.Discovery;
using SmtpTools.Probing;

namespace SmtpTools.DomainSecurity
{
    /// <summary>
    /// Is mail to a domain safe in transit? Reads the MX records, the MTA-STS record and policy (RFC 8461), the TLSA
    /// records of each MX (DANE, RFC 7672) and the TLS-RPT record (RFC 8460); probes each MX's SMTP port as
    /// Test-SmtpPort does; and says what a sending MTA that honours MTA-STS and DANE would do. One instance may check
    /// many domains at once: an MX host shared by several domains is resolved, probed and looked up once, and at most
    /// <see cref="SmtpDomainSecurityOptions.ThrottleLimit"/> probes and policy fetches run at a time.
    /// </summary>
    public sealed class SmtpDomainSecurityCheck
    {
        private const string PolicyPath = "/.well-known/mta-sts.txt";
        private readonly DnsResolver _dns;
        private readonly SmtpDomainSecurityOptions _options;
        private readonly SmtpProbeOptions _probeOptions;
        private readonly AutoconfigFetcher _https;
        private readonly SemaphoreSlim _throttle;
        private readonly ConcurrentDictionary<string, Lazy<Task<SmtpPortResult>>> _probes = new ConcurrentDictionary<string, Lazy<Task<SmtpPortResult>>>(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, Lazy<Task<HostFacts>>> _hosts = new ConcurrentDictionary<string, Lazy<Task<HostFacts>>>(StringComparer.OrdinalIgnoreCase);

        /// <summary>Creates a check that asks <paramref name="dns"/> (whose AD bit decides whether TLSA records count).</summary>
        public SmtpDomainSecurityCheck(DnsResolver dns, SmtpDomainSecurityOptions options)
        {
            _dns = dns ?? throw new ArgumentNullException(nameof(dns));
            _options = options ?? throw new ArgumentNullException(nameof(options));
            if (options.ThrottleLimit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(options), options.ThrottleLimit, "At least one probe must be allowed to run.");
            }

            _throttle = new SemaphoreSlim(options.ThrottleLimit);
            _probeOptions = new SmtpProbeOptions
            {
                Timeout = options.Timeout,
                CertificatePolicy = options.CertificatePolicy,
                HeloName = options.HeloName,
                Transcript = options.Transcript,
                Dns = dns,
            };
            _https = new AutoconfigFetcher(dns, new SmtpDiscoveryOptions { Timeout = options.Timeout, CertificatePolicy = options.CertificatePolicy, Transcript = options.Transcript });
        }

        /// <summary>Checks <paramref name="domain"/>. DNS and network failures are part of the report, not exceptions.</summary>
        /// <exception cref="SmtpConnectionException">NameNotResolved: <paramref name="domain"/> cannot be a domain name; nothing was asked.</exception>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public async Task<SmtpDomainReport> CheckAsync(string domain, CancellationToken cancellationToken)
        {
            var watch = Stopwatch.StartNew();
            var name = (domain ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant();
            var problem = HostNameSyntax.FindProblem(name);
            if (problem != null || IPAddress.TryParse(name.Trim('[', ']'), out _))
            {
                throw HostNameSyntax.Invalid(domain ?? string.Empty, problem ?? "an address is not a domain");
            }

            var report = new SmtpDomainReport { Domain = name, DnsServer = _dns.Servers };
            var findings = new List<SmtpFinding>();
            var mtaSts = ReadMtaStsAsync(name, cancellationToken);
            var tlsRpt = ReadTlsRptAsync(name, cancellationToken);
            var mx = ReadMxAsync(name, report, findings, cancellationToken);
            report.MtaSts = await mtaSts.ConfigureAwait(false);
            report.TlsRpt = await tlsRpt.ConfigureAwait(false);
            var hosts = await mx.ConfigureAwait(false);
            if (hosts != null)
            {
                report.MxHosts = await Task.WhenAll(hosts.Select(h => CheckHostAsync(h.Preference, h.Name, report.MxSecure, report.MtaSts, cancellationToken))).ConfigureAwait(false);
                await CheckAlternatePortsAsync(report, findings, cancellationToken).ConfigureAwait(false);
            }

            TransportSecurityRules.Conclude(report, findings, hosts == null, _options);
            report.Duration = watch.Elapsed;
            return report;
        }

        // The MX hosts in preference order; null when the domain takes no mail or DNS failed (the report says why).
        private async Task<IReadOnlyList<(int Preference, string Name)>?> ReadMxAsync(string domain, SmtpDomainReport report, List<SmtpFinding> findings, CancellationToken cancellationToken)
        {
            DnsAnswer<MxRecord> answer;
            try
            {
                answer = await _dns.QueryAsync<MxRecord>(domain, QueryType.MX, cancellationToken).ConfigureAwait(false);
            }
            catch (DnsLookupException e)
            {
                report.Verdict = SmtpDomainVerdict.DnsFailure;
                findings.Add(TransportSecurityRules.MxLookupFailed(domain, e));
                return null;
            }

            report.DnsServer = answer.Server;
            report.MxSecure = answer.Authenticated;
            Log($"DNS {domain} MX: {answer.Records.Count} record(s) (from {answer.Server}{(answer.Authenticated ? ", AD" : string.Empty)})");
            if (!answer.NameExists)
            {
                report.Verdict = SmtpDomainVerdict.NoMail;
                findings.Add(new SmtpFinding("DOMAIN_NOT_FOUND", SmtpFindingSeverity.High, $"{domain} does not exist (NXDOMAIN from {answer.Server}): no mail can be delivered to it. Check the spelling.", "RFC 5321 5.1"));
                return null;
            }

            if (answer.Records.Count == 1 && (answer.Records[0].Exchange.Value == "." || answer.Records[0].Exchange.Value.Length == 0))
            {
                report.Verdict = SmtpDomainVerdict.NoMail;
                findings.Add(new SmtpFinding("NULL_MX", SmtpFindingSeverity.Info, $"{domain} publishes a null MX (\"0 .\"): it declares that it accepts no mail.", "RFC 7505 3"));
                return null;
            }

            if (answer.Records.Count > 0)
            {
                return answer.Records.OrderBy(r => r.Preference).Select(r => ((int)r.Preference, r.Exchange.Value.TrimEnd('.').ToLowerInvariant())).ToList();
            }

            // RFC 5321 5.1: no MX, but an address: the domain itself is the implicit MX.
            var facts = await HostAsync(domain, cancellationToken).ConfigureAwait(false);
            if (facts.Addresses.Count == 0)
            {
                report.Verdict = SmtpDomainVerdict.NoMail;
                findings.Add(new SmtpFinding("NO_MAIL_HOST", SmtpFindingSeverity.High, $"{domain} publishes no MX and has no address: senders cannot deliver mail to it. Publish MX records if it should receive mail, or a null MX (\"0 .\") to say it does not.", "RFC 5321 5.1, RFC 7505"));
                return null;
            }

            findings.Add(new SmtpFinding("NO_MX", SmtpFindingSeverity.Medium, $"{domain} publishes no MX: senders fall back to its own address (the implicit MX). Publish an MX record; MTA-STS and DANE are defined for named MX hosts.", "RFC 5321 5.1"));
            return new[] { (0, domain) };
        }

        private async Task<SmtpMxHostReport> CheckHostAsync(int preference, string host, bool mxSecure, MtaStsPolicy policy, CancellationToken cancellationToken)
        {
            var facts = await HostAsync(host, cancellationToken).ConfigureAwait(false);
            var report = new SmtpMxHostReport
            {
                Preference = preference,
                HostName = host,
                Port = _options.MxPort,
                Addresses = facts.Addresses,
                AddressesSecure = facts.AddressesSecure,
                TlsaRecords = facts.Tlsa.Select(t => t.ToString()).ToList(),
                Status = SmtpPortStatus.NameNotResolved,
            };
            if (policy.Mode != MtaStsMode.NoPolicy && policy.Mode != MtaStsMode.None)
            {
                report.MtaStsMatch = policy.MxPatterns.Any(p => TransportPolicySyntax.MxMatches(p, host));
            }

            if (facts.Addresses.Count > 0)
            {
                report.Probe = await ProbeAsync(host, facts.Addresses, _options.MxPort, cancellationToken).ConfigureAwait(false);
                report.Status = report.Probe.Status;
                report.StartTlsOffered = report.Probe.ExtensionsBeforeTls?.StartTls == true;
                report.TlsProtocol = report.Probe.TlsProtocol;
                report.Certificate = report.Probe.Certificate;
                var certificate = report.Certificate;
                report.CertificateValid = certificate != null && (certificate.IsPinned || (certificate.IsTrusted && certificate.HostNameMatches && !certificate.IsExpired));
            }

            TransportSecurityRules.JudgeDane(report, facts, mxSecure);
            return report;
        }

        // When no MX answered on the MX port, do other ports of the same hosts answer? Then it is this network.
        private async Task CheckAlternatePortsAsync(SmtpDomainReport report, List<SmtpFinding> findings, CancellationToken cancellationToken)
        {
            var resolved = report.MxHosts.Where(h => h.Addresses.Count > 0).ToList();
            if (resolved.Count == 0 || resolved.Any(h => h.Probe?.Banner != null) || _options.AlternatePorts.Count == 0)
            {
                return;
            }

            var tries = resolved.SelectMany(h => _options.AlternatePorts.Where(p => p != _options.MxPort).Select(p => ProbeAsync(h.HostName, h.Addresses, p, cancellationToken))).ToList();
            var answered = (await Task.WhenAll(tries).ConfigureAwait(false)).Where(r => r.Banner != null || r.Status == SmtpPortStatus.Open).ToList();
            findings.Add(TransportSecurityRules.NoMxAnswered(report, answered, _options));
        }

        private Task<SmtpPortResult> ProbeAsync(string host, IReadOnlyList<IPAddress> addresses, int port, CancellationToken cancellationToken) =>
            _probes.GetOrAdd(host + ":" + port, _ => new Lazy<Task<SmtpPortResult>>(() => Throttled(() => SmtpEndpointProbe.ProbeAsync(host, addresses, port, _probeOptions, cancellationToken), cancellationToken))).Value;

        private Task<HostFacts> HostAsync(string host, CancellationToken cancellationToken) =>
            _hosts.GetOrAdd(host, _ => new Lazy<Task<HostFacts>>(() => ReadHostAsync(host, cancellationToken))).Value;

        private async Task<T> Throttled<T>(Func<Task<T>> work, CancellationToken cancellationToken)
        {
            await _throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await work().ConfigureAwait(false);
            }
            finally
            {
                _throttle.Release();
            }
        }

        private async Task<HostFacts> ReadHostAsync(string host, CancellationToken cancellationToken)
        {
            var facts = new HostFacts();
            var v6 = Answer<AaaaRecord>(host, QueryType.AAAA, cancellationToken);
            var v4 = Answer<ARecord>(host, QueryType.A, cancellationToken);
            var tlsaName = $"_{_options.MxPort}._tcp.{host}";
            var tlsa = Answer<TlsaRecord>(tlsaName, QueryType.TLSA, cancellationToken);
            var (six, sixFailure) = await v6.ConfigureAwait(false);
            var (four, fourFailure) = await v4.ConfigureAwait(false);
            facts.Addresses = (six?.Records.Select(r => r.Address) ?? Enumerable.Empty<IPAddress>()).Concat(four?.Records.Select(r => r.Address) ?? Enumerable.Empty<IPAddress>()).ToList();
            facts.AddressesSecure = four?.Authenticated == true && (six == null || six.Authenticated);
            facts.AddressFailure = (fourFailure ?? sixFailure)?.Message;
            var (records, tlsaFailure) = await tlsa.ConfigureAwait(false);
            facts.TlsaFailure = tlsaFailure;
            if (records != null)
            {
                facts.Tlsa = records.Records.Select(r => new DaneMatcher.Tlsa((byte)r.CertificateUsage, (byte)r.Selector, (byte)r.MatchingType, r.CertificateAssociationData.ToArray())).ToList();
                facts.TlsaSecure = records.Authenticated;
                Log($"DNS {tlsaName} TLSA: {facts.Tlsa.Count} record(s){(records.Authenticated ? " (AD)" : string.Empty)}");
            }

            return facts;
        }

        private async Task<(DnsAnswer<T>?, DnsLookupException?)> Answer<T>(string name, QueryType type, CancellationToken cancellationToken)
            where T : DnsResourceRecord
        {
            try
            {
                return (await _dns.QueryAsync<T>(name, type, cancellationToken).ConfigureAwait(false), null);
            }
            catch (DnsLookupException e)
            {
                Log(e.Message);
                return (null, e);
            }
        }

        // The TXT records of name that start with prefix, each record's strings joined (RFC 7208 3.3 style).
        private async Task<(List<string> Records, DnsLookupException? Failure)> TxtAsync(string name, string prefix, CancellationToken cancellationToken)
        {
            var (answer, failure) = await Answer<TxtRecord>(name, QueryType.TXT, cancellationToken).ConfigureAwait(false);
            var records = answer?.Records.Select(r => string.Concat(r.Text)).Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).ToList() ?? new List<string>();
            Log($"DNS {name} TXT: {records.Count} {prefix} record(s)");
            return (records, failure);
        }

        private async Task<MtaStsPolicy> ReadMtaStsAsync(string domain, CancellationToken cancellationToken)
        {
            var policy = new MtaStsPolicy();
            var (records, failure) = await TxtAsync("_mta-sts." + domain, "v=STSv1", cancellationToken).ConfigureAwait(false);
            if (failure != null)
            {
                policy.Problem = $"the _mta-sts.{domain} TXT lookup failed ({failure.Message})";
                return policy;
            }

            if (records.Count == 0)
            {
                return policy;
            }

            policy.Record = TransportPolicySyntax.ForDisplay(records[0]);
            if (records.Count > 1)
            {
                policy.Problem = $"_mta-sts.{domain} has {records.Count} v=STSv1 records; senders treat that as no policy (RFC 8461 3.1)";
                return policy;
            }

            policy.Id = TransportPolicySyntax.StsRecordId(records[0], out var problem);
            if (policy.Id == null)
            {
                policy.Problem = $"the _mta-sts.{domain} record cannot be used: {problem}";
                return policy;
            }

            var uri = new UriBuilder(Uri.UriSchemeHttps, "mta-sts." + domain, _options.PolicyPort == 443 ? -1 : _options.PolicyPort, PolicyPath).Uri;
            policy.PolicyUri = uri;
            try
            {
                var (status, location, contentType, body) = await Throttled(() => _https.GetAsync(uri, "text/plain", cancellationToken), cancellationToken).ConfigureAwait(false);
                Log($"MTA-STS {uri}: HTTP {status}, {contentType ?? "no media type"}, {body.Length} bytes");
                if (status >= 300 && status < 400)
                {
                    policy.Problem = $"{uri} redirects{(location == null ? string.Empty : " to " + Protocol.SmtpReplyReader.Printable(location, 100))}; senders must not follow redirects for a policy (RFC 8461 3.3)";
                }
                else if (status != 200)
                {
                    policy.Problem = status == 404 && contentType == null ? $"no policy server answers at {uri}" : $"{uri} answers HTTP {status}, not 200 (RFC 8461 3.3)";
                }
                else if (contentType == null || !contentType.Split(';')[0].Trim().Equals("text/plain", StringComparison.OrdinalIgnoreCase))
                {
                    policy.Problem = $"{uri} is served as {(contentType == null ? "no media type" : Protocol.SmtpReplyReader.Printable(contentType, 60))}, not text/plain (RFC 8461 3.2)";
                }
                else if (TransportPolicySyntax.ParsePolicy(body, policy))
                {
                    return policy;
                }
            }
            catch (AutoconfigException e)
            {
                policy.Problem = $"the policy at {uri} cannot be used: {e.Reason}";
            }
            catch (DnsLookupException e)
            {
                policy.Problem = $"the policy host mta-sts.{domain} cannot be resolved: {e.Message}";
            }

            policy.Mode = MtaStsMode.NoPolicy;
            policy.MxPatterns = Array.Empty<string>();
            return policy;
        }

        private async Task<TlsRptPolicy> ReadTlsRptAsync(string domain, CancellationToken cancellationToken)
        {
            var rpt = new TlsRptPolicy();
            var (records, failure) = await TxtAsync("_smtp._tls." + domain, "v=TLSRPTv1", cancellationToken).ConfigureAwait(false);
            if (records.Count == 0)
            {
                rpt.Problem = failure == null ? null : $"the _smtp._tls.{domain} TXT lookup failed ({failure.Message})";
                return rpt;
            }

            rpt.Record = TransportPolicySyntax.ForDisplay(records[0]);
            if (records.Count > 1)
            {
                rpt.Problem = $"_smtp._tls.{domain} has {records.Count} v=TLSRPTv1 records; senders ignore them all (RFC 8460 3)";
                return rpt;
            }

            var targets = TransportPolicySyntax.TlsRptTargets(records[0], out var problem);
            if (targets == null)
            {
                rpt.Problem = $"the _smtp._tls.{domain} record cannot be used: {problem}";
                return rpt;
            }

            rpt.ReportUris = targets;
            return rpt;
        }

        private void Log(string line) => _options.Transcript?.Invoke(line);

        /// <summary>What DNS says about one MX host: addresses and TLSA records, and whether the resolver vouched for them.</summary>
        internal sealed class HostFacts
        {
            public IReadOnlyList<IPAddress> Addresses { get; set; } = Array.Empty<IPAddress>();

            public bool AddressesSecure { get; set; }

            public string? AddressFailure { get; set; }

            public IReadOnlyList<DaneMatcher.Tlsa> Tlsa { get; set; } = Array.Empty<DaneMatcher.Tlsa>();

            public bool TlsaSecure { get; set; }

            public DnsLookupException? TlsaFailure { get; set; }
        }
    }
}
