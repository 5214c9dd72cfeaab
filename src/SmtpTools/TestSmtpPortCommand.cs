using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Probing;

namespace SmtpTools.Commands
{
    /// <summary>
    /// <para type="synopsis">Probes SMTP ports and reports which security mode each really speaks.</para>
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "SmtpPort")]
    [OutputType(typeof(SmtpPortResult))]
    public sealed class TestSmtpPortCommand : SmtpCmdletBase
    {
        private readonly List<(string Host, int Port)> _targets = new List<(string, int)>();

        /// <summary>Host names or addresses to probe.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("CN", "HostName", "Server", "SmtpServer", "NameExchange", "DnsHostName")]
        [ValidateNotNullOrEmpty]
        public string[] ComputerName { get; set; } = Array.Empty<string>();

        /// <summary>TCP ports to probe: by default 25, 465, 587 and 2525.</summary>
        [Parameter(Position = 1)]
        [ValidateRange(1, 65535)]
        [ArgumentCompleter(typeof(SmtpPortCompleter))]
        public int[] Port { get; set; } = { 25, 465, 587, 2525 };

        /// <summary>How many probes run at once.</summary>
        [Parameter]
        [ValidateRange(1, 1024)]
        public int ThrottleLimit { get; set; } = 32;

        /// <inheritdoc />
        protected override void BeginProcessing() => WarnIfCertificateCheckSkipped();

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            foreach (var host in ComputerName)
            {
                foreach (var port in Port.Distinct())
                {
                    _targets.Add((host.Trim(), port));
                }
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            using (var pump = new PipelinePump())
            {
                var options = BuildProbeOptions(pump);
                pump.Run(ProbeAllAsync(pump, options));
            }
        }

        private async Task ProbeAllAsync(PipelinePump pump, SmtpProbeOptions options)
        {
            using (var throttle = new SemaphoreSlim(ThrottleLimit))
            {
                var probes = _targets.Select(async target =>
                {
                    await throttle.WaitAsync(CancellationToken).ConfigureAwait(false);
                    try
                    {
                        var result = await SmtpEndpointProbe.ProbeAsync(target.Host, target.Port, options, CancellationToken).ConfigureAwait(false);
                        pump.Post(() => Emit(result));
                    }
                    finally
                    {
                        throttle.Release();
                    }
                }).ToList();
                await Task.WhenAll(probes).ConfigureAwait(false);
            }
        }

        private void Emit(SmtpPortResult result)
        {
            if (result.Status == SmtpPortStatus.NameNotResolved)
            {
                WriteError(SmtpErrors.FromFailure(result.FailureKind, result.ErrorMessage ?? "The name did not resolve.", result.ComputerName));
            }

            WriteObject(result);
        }
    }
}
