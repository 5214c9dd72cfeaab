using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.DomainSecurity;

namespace SmtpTools.Commands
{
    /// <summary>
    /// <para type="synopsis">Checks whether mail to a domain is safe in transit: MX STARTTLS and certificates, MTA-STS, DANE and TLS-RPT, against the live MX hosts.</para>
    /// <para type="description">
    /// For each domain: reads the MX records (preference order) and probes every MX on -MxPort (25) as Test-SmtpPort does
    /// (STARTTLS offered, TLS version, certificate checked against the MX name); reads the _mta-sts TXT record and fetches
    /// the MTA-STS policy from https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt with its certificate verified, no
    /// redirect followed, at most 64 KiB, served as text/plain (RFC 8461), and checks every MX against its mx patterns and
    /// the policy's PKIX requirement; reads the TLSA records at _25._tcp.&lt;mx&gt; and, only when the resolver vouched for
    /// the MX, address and TLSA answers (the DNSSEC AD bit), matches them against the chain the MX presents (DANE-TA 2 and
    /// DANE-EE 3, selectors 0 and 1, matching types 0, 1 and 2; RFC 7672); and reads the _smtp._tls TLS-RPT record
    /// (RFC 8460). It then says what a sending MTA that honours DANE and MTA-STS would do, in Verdict and VerdictReason
    /// ("enforce: mail to mx2.example.com would be deferred because its certificate is for another name").
    /// </para>
    /// <para type="description">
    /// DANE is only as good as the resolver: the AD bit counts only from a validating resolver you trust, on a path you
    /// trust (this machine's own, or one named with -DnsServer). DnsServer in the report says which resolver answered.
    /// When no MX answers on -MxPort but -AlternatePort (587, 465) of the same hosts does, a finding says outbound port 25
    /// is probably blocked on this network (ISPs and clouds do), rather than the domain being broken.
    /// </para>
    /// <para type="description">
    /// Domains are checked in parallel, and an MX host shared by many domains is probed once; at most -ThrottleLimit
    /// probes and policy fetches run at once. Every step is bounded by -TimeoutSec. Output: one SmtpDomainReport per
    /// domain, in input order, with MxHosts (one SmtpMxHostReport each) and Findings (Id, Severity, Message, Reference).
    /// -Domain binds from the pipeline by value (a list of names) and by property name (a CSV with a Domain column,
    /// Resolve-SmtpServer output).
    /// </para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "SmtpDomain", HelpUri = HelpLinks.Docs + "Test-SmtpDomain.md")]
    [OutputType(typeof(SmtpDomainReport))]
    public sealed class TestSmtpDomainCommand : SmtpDomainCmdletBase
    {
        private const int ProgressActivityId = 4660;
        private readonly List<(string Domain, Task<SmtpDomainReport> Work)> _runs = new List<(string, Task<SmtpDomainReport>)>();
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private PipelinePump? _pump;
        private SmtpDomainSecurityCheck? _check;
        private int _completed;

        /// <summary>The SMTP port MX hosts are probed on, and the port in their TLSA names (_port._tcp.mx); 25 by default (RFC 5321). For lab relays on another port.</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        [ArgumentCompleter(typeof(SmtpPortCompleter))]
        public int MxPort { get; set; } = 25;

        /// <summary>Ports of the same hosts tried when no MX answers on -MxPort, to tell a blocked outbound port from a broken domain; 587 and 465 by default.</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int[] AlternatePort { get; set; } = { 587, 465 };

        /// <summary>The HTTPS port MTA-STS policies are fetched from; 443 by default (RFC 8461 3.3). For lab web servers on another port.</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int PolicyPort { get; set; } = 443;

        /// <summary>How many probes and policy fetches run at once, over all domains; 32 by default.</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 32;

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            WarnIfCertificateCheckSkipped();
            var dns = BuildDnsResolverOrTerminate();
            _pump = new PipelinePump();
            var pump = _pump;
            _check = new SmtpDomainSecurityCheck(dns, new SmtpDomainSecurityOptions
            {
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                CertificatePolicy = BuildCertificatePolicy(),
                MxPort = MxPort,
                AlternatePorts = AlternatePort,
                PolicyPort = PolicyPort,
                ThrottleLimit = ThrottleLimit,
                HeloName = HeloName,
                Transcript = VerboseLines(pump),
            });
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            foreach (var entry in Domain)
            {
                var domain = DomainOf(entry);
                if (_seen.Add(domain))
                {
                    var check = _check!;
                    var pump = _pump!;
                    var work = Task.Run(() => check.CheckAsync(domain, CancellationToken), CancellationToken);
                    work.ContinueWith(_ => pump.Post(ReportProgress), TaskScheduler.Default);
                    _runs.Add((domain, work));
                }
            }

            _pump!.RunPending();
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            _pump!.Run(WriteInOrderAsync(_pump));
            WriteProgress(new ProgressRecord(ProgressActivityId, "Test-SmtpDomain", "Done") { RecordType = ProgressRecordType.Completed });
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _pump?.Dispose();
            }

            base.Dispose(disposing);
        }

        private async Task WriteInOrderAsync(PipelinePump pump)
        {
            foreach (var (domain, work) in _runs)
            {
                try
                {
                    var report = await work.ConfigureAwait(false);
                    pump.Post(() => WriteObject(report));
                }
                catch (SmtpConnectionException e)
                {
                    pump.Post(() => WriteError(SmtpErrors.FromException(e, domain)));
                }
            }
        }

        private void ReportProgress()
        {
            var completed = Interlocked.Increment(ref _completed);
            WriteProgress(new ProgressRecord(ProgressActivityId, "Test-SmtpDomain", $"{completed} of {_runs.Count} domains checked")
            {
                PercentComplete = _runs.Count == 0 ? 0 : Math.Min(100, completed * 100 / _runs.Count),
            });
        }
    }
}
