using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Probing;

namespace SmtpTools.Discovery
{
    /// <summary>
    /// Probes discovered candidates (each host and port once, all at once, at most <see cref="SmtpPortSweep.PerHostLimit"/>
    /// per host) and turns differences between what was published and what was measured into findings.
    /// </summary>
    public static class PublishedEndpointCheck
    {
        private static readonly TimeSpan ClaimedImplicitTlsGreetingWait = TimeSpan.FromMilliseconds(250);

        /// <summary>Sets each resolved candidate's <see cref="SmtpServerCandidate.Measured"/> and adds the measured findings.</summary>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public static async Task ProbeAsync(IReadOnlyList<SmtpServerCandidate> candidates, SmtpProbeOptions options, CancellationToken cancellationToken)
        {
            using (var throttle = new SemaphoreSlim(SmtpPortSweep.PerHostLimit))
            {
                var probes = candidates
                    .Where(c => c.Addresses.Count > 0)
                    .GroupBy(c => (Host: c.ComputerName.ToLowerInvariant(), c.Port))
                    .Select(async group =>
                    {
                        var first = group.First();
                        await throttle.WaitAsync(cancellationToken).ConfigureAwait(false);
                        try
                        {
                            var prefix = $"[{first.ComputerName}:{first.Port}] ";
                            var transcript = options.Transcript;
                            var probeOptions = options.WithTranscript(transcript == null ? null : (Action<string>)(line => transcript(prefix + line)));
                            if (group.Any(c => c.Security == SmtpPublishedSecurity.ImplicitTls) && probeOptions.GreetingWait > ClaimedImplicitTlsGreetingWait)
                            {
                                // Published as implicit TLS: try TLS sooner. A server that greets in clear later still
                                // answers the ClientHello in clear and is probed again with the whole timeout.
                                probeOptions.GreetingWait = ClaimedImplicitTlsGreetingWait;
                            }

                            var result = await SmtpEndpointProbe.ProbeAsync(first.ComputerName, first.Addresses, first.Port, probeOptions, cancellationToken).ConfigureAwait(false);
                            foreach (var candidate in group)
                            {
                                candidate.Measured = result;
                            }
                        }
                        finally
                        {
                            throttle.Release();
                        }
                    })
                    .ToList();
                await Task.WhenAll(probes).ConfigureAwait(false);
            }

            DiscoveryFindingRules.AddMeasuredFindings(candidates);
        }
    }
}
