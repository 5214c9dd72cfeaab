using System;
using System.Linq;
using System.Management.Automation;
using SmtpTools.Probing;

namespace SmtpTools.Commands
{
    /// <summary>
    /// <para type="synopsis">Probes SMTP ports, reports which security mode each really speaks, and says which one to use.</para>
    /// <para type="description">
    /// Each port is judged by behaviour, not by its number: a server that greets first is plaintext SMTP (EHLO, then
    /// STARTTLS when offered, with the TLS result); a silent one gets a TLS handshake (implicit TLS) and must greet inside
    /// it. Every host is resolved once; its ports are probed concurrently with every other host's, at most
    /// -ThrottleLimit at a time, so silent endpoints wait out -TimeoutSec side by side: a sweep takes about one
    /// -TimeoutSec plus the time its answering endpoints' work needs.
    /// </para>
    /// <para type="description">
    /// Output: one SmtpPortResult per host and port, always, as each probe completes (-InputOrder keeps input order).
    /// A host whose name does not resolve gives one non-terminating error (SmtpTools.NameNotResolved, ObjectNotFound)
    /// and NameNotResolved results for its ports; the other hosts carry on. Closed, filtered, silent, non-SMTP and TLS
    /// failures are findings, reported in the results, not errors. Each result rates the endpoint for submission
    /// (Rating, RatingReason) following RFC 8314: implicit TLS (465) first, then STARTTLS (587); 25 is
    /// for relay between servers; 2525 is unofficial; plaintext never.
    /// </para>
    /// <para type="description">
    /// With -Recommended, the output is instead one SmtpSubmissionRecommendation per host, once all its ports are done:
    /// ComputerName, Port and Security bind by property name to Send-SecureMail
    /// ("Test-SmtpPort mail.example.com -Recommended | Send-SecureMail ..."). A host with no port fit for submission
    /// gives a non-terminating error (SmtpTools.NoSubmissionEndpoint, ResourceUnavailable) with the reason per port.
    /// </para>
    /// <para type="description">An invalid port (0, negative, above 65535) fails at parameter binding, before any network I/O.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "SmtpPort", HelpUri = HelpLinks.Docs + "Test-SmtpPort.md")]
    [OutputType(typeof(SmtpPortResult), typeof(SmtpSubmissionRecommendation))]
    public sealed class TestSmtpPortCommand : SmtpCmdletBase
    {
        private const int ProgressActivityId = 4658;

        private PipelinePump? _pump;
        private SmtpPortSweep? _sweep;

        /// <summary>Host names or addresses to probe (IPv4, IPv6 with or without brackets); from the pipeline by value or by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("CN", "HostName", "Server", "SmtpServer", "NameExchange", "DnsHostName")]
        [ValidateNotNullOrEmpty]
        public string[] ComputerName { get; set; } = Array.Empty<string>();

        /// <summary>TCP ports to probe: by default 25, 465, 587 and 2525. Also from the pipeline by property name.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        [ArgumentCompleter(typeof(SmtpPortCompleter))]
        public int[] Port { get; set; } = { 25, 465, 587, 2525 };

        /// <summary>
        /// How many probes (each with its host's name lookup) run at once; 1024 by default. A probe waiting on a silent
        /// endpoint costs a socket and no CPU, so silent endpoints wait out -TimeoutSec side by side while they fit in
        /// this many (at most 128 probes are within their first second, the greeting wait, and at most 128 ports of one
        /// host are probed at once, whatever this says). Each probe may hold two sockets, so this needs a file limit (ulimit -n)
        /// of twice it plus some: 2,112 for the default. With a lower limit, fewer run at once, with a warning that says so.
        /// </summary>
        [Parameter]
        [ValidateRange(1, SmtpPortSweep.MaximumThrottleLimit)]
        public int ThrottleLimit { get; set; } = SmtpPortSweep.DefaultThrottleLimit;

        /// <summary>Write results in the order of the input (hosts, then ports as given); without it, in completion order.</summary>
        [Parameter]
        public SwitchParameter InputOrder { get; set; }

        /// <summary>Write only one recommendation per host (which port, which security mode) instead of every port's result.</summary>
        [Parameter]
        public SwitchParameter Recommended { get; set; }

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            WarnIfCertificateCheckSkipped();
            _pump = new PipelinePump();
            var pump = _pump;
            _sweep = new SmtpPortSweep(BuildProbeOptions(pump), ThrottleLimit, InputOrder.IsPresent, CancellationToken);
            _sweep.ThrottleLowered += warning => pump.Post(() => WriteWarning(warning));
            _sweep.ProgressChanged += progress => pump.Post(() => WriteProgress(Progress(progress)));
            _sweep.ResolutionFailed += (host, failure) => pump.Post(() => WriteError(SmtpErrors.FromException(failure, host)));
            if (Recommended)
            {
                _sweep.HostCompleted += recommendation => pump.Post(() => EmitRecommendation(recommendation));
            }
            else
            {
                _sweep.ResultReady += result => pump.Post(() => WriteObject(Advised(result)));
            }
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            foreach (var host in ComputerName)
            {
                _sweep!.Add(host, Port);
            }

            _pump!.RunPending();
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            _pump!.Run(_sweep!.CompleteAsync());
            WriteProgress(new ProgressRecord(ProgressActivityId, "Test-SmtpPort", "Done") { RecordType = ProgressRecordType.Completed });
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

        private static ProgressRecord Progress(SweepProgress progress)
        {
            var record = new ProgressRecord(ProgressActivityId, "Test-SmtpPort", $"{progress.Completed} of {progress.Total} endpoints probed")
            {
                PercentComplete = progress.Total == 0 ? 0 : Math.Min(100, progress.Completed * 100 / progress.Total),
            };

            // A sweep that stalls near its end should say on what: the silent endpoints that hold it.
            var pending = progress.DescribePending();
            if (pending.Length > 0)
            {
                record.CurrentOperation = pending;
            }

            return record;
        }

        // Port 25 refused: the advice to use 465/587 and -Recommended goes with the result, in ErrorMessage and Notes.
        private static SmtpPortResult Advised(SmtpPortResult result)
        {
            if (result.Status == SmtpPortStatus.Closed && SubmissionPortAdvice.WhenRefused(result.ComputerName, result.Port) is string advice)
            {
                result.ErrorMessage = result.ErrorMessage == null ? advice : $"{result.ErrorMessage} {advice}";
                result.AddNote(advice);
            }

            return result;
        }

        private void EmitRecommendation(SmtpSubmissionRecommendation recommendation)
        {
            if (recommendation.Endpoint != null)
            {
                WriteObject(recommendation);
            }
            else if (recommendation.RankedEndpoints.Any(r => r.Status != SmtpPortStatus.NameNotResolved))
            {
                WriteError(SmtpErrors.NoSubmissionEndpoint($"{recommendation.ComputerName}: {recommendation.Reason}", recommendation.ComputerName));
            }
        }
    }
}
