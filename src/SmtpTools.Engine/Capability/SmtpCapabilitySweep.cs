using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Capability;

namespace SmtpTools
{
    /// <summary>
    /// Get-SmtpCapability's sweep, shaped like <see cref="Probing.SmtpPortSweep"/>: endpoints are added as the pipeline
    /// delivers them, inspected <c>throttleLimit</c> at a time once <see cref="CompleteAsync"/> is called, and
    /// reported in the order they were added (a table of many servers reads in the order they were given). Events
    /// are raised on worker threads.
    /// </summary>
    public sealed class SmtpCapabilitySweep
    {
        private readonly SmtpProbeOptions _connection;
        private readonly int _throttleLimit;
        private readonly CancellationToken _cancellationToken;
        private readonly List<(string Host, int Port, SmtpCapabilityOptions Options)> _targets = new List<(string, int, SmtpCapabilityOptions)>();

        /// <summary>Creates a sweep; <paramref name="connection"/> (timeout, trust, EHLO name, transcript) applies to every endpoint.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="throttleLimit"/> is below 1.</exception>
        public SmtpCapabilitySweep(SmtpProbeOptions connection, int throttleLimit, CancellationToken cancellationToken)
        {
            if (throttleLimit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(throttleLimit), throttleLimit, "At least one inspection at a time.");
            }

            _connection = connection ?? throw new ArgumentNullException(nameof(connection));
            _throttleLimit = throttleLimit;
            _cancellationToken = cancellationToken;
        }

        /// <summary>An endpoint was inspected.</summary>
        public event Action<SmtpCapabilityReport>? ReportReady;

        /// <summary>An endpoint could not be inspected at all ("host:port", and why).</summary>
        public event Action<string, SmtpConnectionException>? InspectionFailed;

        /// <summary>Queues <paramref name="ports"/> of <paramref name="computerName"/> (each port once) for inspection as <paramref name="options"/> say.</summary>
        public void Add(string computerName, IEnumerable<int> ports, SmtpCapabilityOptions options)
        {
            foreach (var port in ports.Distinct())
            {
                _targets.Add((computerName.Trim(), port, options));
            }
        }

        /// <summary>Inspects every endpoint added and reports each, in the order added.</summary>
        /// <exception cref="OperationCanceledException">The sweep was cancelled.</exception>
        public async Task CompleteAsync()
        {
            using (var throttle = new SemaphoreSlim(_throttleLimit))
            {
                var inspections = _targets.Select(target => InspectAsync(target.Host, target.Port, target.Options, throttle)).ToList();
                foreach (var inspection in inspections)
                {
                    var (endpoint, report, failure) = await inspection.ConfigureAwait(false);
                    if (report != null)
                    {
                        ReportReady?.Invoke(report);
                    }
                    else
                    {
                        InspectionFailed?.Invoke(endpoint, failure!);
                    }
                }
            }
        }

        private async Task<(string, SmtpCapabilityReport?, SmtpConnectionException?)> InspectAsync(string host, int port, SmtpCapabilityOptions options, SemaphoreSlim throttle)
        {
            var endpoint = $"{host}:{port}";
            await throttle.WaitAsync(_cancellationToken).ConfigureAwait(false);
            try
            {
                var transcript = _connection.Transcript;
                var prefix = _targets.Count > 1 ? $"[{endpoint}] " : string.Empty;
                var connection = _connection.WithTranscript(transcript == null ? null : line => transcript(prefix + line));
                return (endpoint, await SmtpCapabilityInspector.InspectAsync(host, port, options.WithConnection(connection), _cancellationToken).ConfigureAwait(false), null);
            }
            catch (SmtpConnectionException e)
            {
                return (endpoint, null, e);
            }
            finally
            {
                throttle.Release();
            }
        }
    }
}
