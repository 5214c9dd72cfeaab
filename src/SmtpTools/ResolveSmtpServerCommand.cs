using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using SmtpTools.Discovery;

namespace SmtpTools.Commands
{
    /// <summary>
    /// <para type="synopsis">Finds which SMTP servers and ports a domain publishes for sending mail, and (with -Probe) checks them against what the ports really do.</para>
    /// <para type="description">
    /// Reads, all at once: the RFC 6186 / RFC 8314 SRV records _submissions._tcp (implicit TLS) and _submission._tcp
    /// (STARTTLS), where a lone "." target means "not offered"; the Thunderbird autoconfig document (config-v1.1.xml at
    /// https://autoconfig.&lt;domain&gt;/mail/, then https://&lt;domain&gt;/.well-known/autoconfig/mail/), fetched over HTTPS with the
    /// certificate verified, at most 64 KiB, redirects followed to https:// only; and the MX records (relay on port 25).
    /// -IncludeGuesses adds smtp.&lt;domain&gt; and mail.&lt;domain&gt; on 465 and 587 when they resolve. Works the same on
    /// Windows, Linux and macOS: DNS is asked directly (the system's resolvers, or -DnsServer), not through Resolve-DnsName.
    /// </para>
    /// <para type="description">
    /// Output: one SmtpServerCandidate per endpoint: SRV first (priority, weight), then autoconfig (document order), MX
    /// (preference), guesses. ComputerName, Port and Security bind by property name to Test-SmtpPort, Get-SmtpCapability
    /// and Send-SecureMail, so "Resolve-SmtpServer example.com | Test-SmtpPort -Recommended" names the endpoint to use.
    /// Findings compare the sources (unresolved hosts, records that disagree); with -Probe each endpoint is probed as
    /// Test-SmtpPort does (Measured, MeasuredSecurity) and differences between what is published and what is measured
    /// become findings too (implicit TLS published where STARTTLS is spoken, a port that does not answer, plain published
    /// where TLS works, a certificate that does not cover the published name).
    /// </para>
    /// <para type="description">
    /// Errors, non-terminating, per domain: SmtpTools.DomainNotFound (NXDOMAIN), SmtpTools.DnsServerFailure (SERVFAIL),
    /// SmtpTools.DnsTimedOut, SmtpTools.DnsRefused, SmtpTools.DnsServerUnreachable, SmtpTools.NoSmtpServerPublished
    /// (nothing found), SmtpTools.AutoconfigRejected (a document ignored: certificate, redirect to http, too large). Each
    /// message says which name and record type were asked, and of which server.
    /// </para>
    /// <para type="description">
    /// -DnsServer and -AutoconfigPort exist for resolvers and web servers on other addresses and ports (a split-horizon
    /// resolver, a lab, the module's own tests); the defaults are the system's resolvers and 443.
    /// </para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Resolve, "SmtpServer", HelpUri = HelpLinks.Docs + "Resolve-SmtpServer.md")]
    [OutputType(typeof(SmtpServerCandidate))]
    public sealed class ResolveSmtpServerCommand : SmtpDomainCmdletBase
    {
        private readonly List<string> _domains = new List<string>();

        /// <summary>Also list smtp.&lt;domain&gt; and mail.&lt;domain&gt; on 465 and 587 when they resolve (Source Guess).</summary>
        [Parameter]
        public SwitchParameter IncludeGuesses { get; set; }

        /// <summary>Probe every candidate (as Test-SmtpPort does) and report where what is published and what is measured differ.</summary>
        [Parameter]
        public SwitchParameter Probe { get; set; }

        /// <summary>The port MX hosts are listed with; 25 by default (RFC 5321). For relays on another port.</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        [ArgumentCompleter(typeof(SmtpPortCompleter))]
        public int MxPort { get; set; } = 25;

        /// <summary>The HTTPS port autoconfig documents are fetched from; 443 by default. For web servers on another port (labs, tests).</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int AutoconfigPort { get; set; } = 443;

        /// <inheritdoc />
        protected override void BeginProcessing() => WarnIfCertificateCheckSkipped();

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            foreach (var entry in Domain)
            {
                _domains.Add(DomainOf(entry));
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            var dns = BuildDnsResolverOrTerminate();
            using (var pump = new PipelinePump())
            {
                var options = new SmtpDiscoveryOptions
                {
                    Timeout = TimeSpan.FromSeconds(TimeoutSec),
                    CertificatePolicy = BuildCertificatePolicy(),
                    AutoconfigPort = AutoconfigPort,
                    MxPort = MxPort,
                    IncludeGuesses = IncludeGuesses,
                    Transcript = VerboseLines(pump),
                };
                var discovery = new SmtpServerDiscovery(dns, options);
                pump.Run(DiscoverAllAsync(discovery, pump));
            }
        }

        private async Task DiscoverAllAsync(SmtpServerDiscovery discovery, PipelinePump pump)
        {
            var runs = _domains.Distinct(StringComparer.OrdinalIgnoreCase).Select(d => (Domain: d, Work: DiscoverAsync(discovery, d, pump))).ToList();

            // Started together, written in input order.
            foreach (var (domain, work) in runs)
            {
                try
                {
                    var result = await work.ConfigureAwait(false);
                    pump.Post(() => Emit(result));
                }
                catch (DnsLookupException e)
                {
                    pump.Post(() => WriteError(DiscoveryErrors.FromDnsFailure(e, domain)));
                }
                catch (SmtpConnectionException e)
                {
                    pump.Post(() => WriteError(SmtpErrors.FromException(e, domain)));
                }
            }
        }

        private async Task<SmtpDiscoveryResult> DiscoverAsync(SmtpServerDiscovery discovery, string domain, PipelinePump pump)
        {
            var result = await discovery.DiscoverAsync(domain, CancellationToken).ConfigureAwait(false);
            if (Probe && result.Candidates.Count > 0)
            {
                await PublishedEndpointCheck.ProbeAsync(result.Candidates, BuildProbeOptions(pump), CancellationToken).ConfigureAwait(false);
            }

            return result;
        }

        private void Emit(SmtpDiscoveryResult result)
        {
            // One error per kind of DNS failure: a broken zone fails every question the same way.
            var dnsFailures = result.Failures.OfType<DnsLookupException>().GroupBy(f => f.Failure).Select(g => (Exception)g.First());
            foreach (var failure in dnsFailures.Concat(result.Failures.OfType<AutoconfigException>()))
            {
                WriteError(failure is DnsLookupException dns
                    ? DiscoveryErrors.FromDnsFailure(dns, result.Domain)
                    : DiscoveryErrors.AutoconfigRejected((AutoconfigException)failure, result.Domain));
            }

            if (result.Candidates.Count == 0 && !result.Failures.OfType<DnsLookupException>().Any())
            {
                var notOffered = result.NotOffered.Count == 0 ? string.Empty : $" It declares {string.Join(" and ", result.NotOffered)} not offered (\".\", RFC 6186 3.3).";
                var guesses = IncludeGuesses ? " Neither smtp." + result.Domain + " nor mail." + result.Domain + " resolves." : " -IncludeGuesses tries smtp." + result.Domain + " and mail." + result.Domain + ".";
                WriteError(DiscoveryErrors.NothingPublished($"{result.Domain} publishes no SMTP server: looked for {result.Asked}; found none.{notOffered}{guesses}", result.Domain));
            }

            foreach (var candidate in result.Candidates)
            {
                WriteObject(candidate);
            }
        }
    }
}
