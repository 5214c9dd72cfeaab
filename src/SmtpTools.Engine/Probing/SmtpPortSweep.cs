using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Protocol;

namespace SmtpTools.Probing
{
    /// <summary>
    /// Probes many endpoints at once, at most <c>throttleLimit</c> network operations in flight: each host is resolved
    /// once for all its ports, results come out as they complete (or in input order), and once input is over each
    /// host's <see cref="SmtpSubmissionRecommendation"/> follows its last result. A sweep of many silent endpoints
    /// therefore takes about one timeout, not one per endpoint.
    /// Events are raised on worker threads, one at a time: handlers must be quick and must not block (the cmdlet
    /// posts them to the pipeline thread).
    /// </summary>
    public sealed class SmtpPortSweep
    {
        private readonly SmtpProbeOptions _options;
        /// <summary>
        /// At most this many ports of one host are probed at once: a sweep of many hosts may run hundreds of probes in
        /// parallel, but no single server sees more than a handful of connections from us (Postfix allows 50 per client).
        /// </summary>
        internal const int PerHostLimit = 16;

        /// <summary>How many of the endpoints still pending a progress report names.</summary>
        public const int PendingShown = 3;

        private readonly SemaphoreSlim _throttle;
        private readonly bool _keepInputOrder;
        private readonly CancellationToken _cancellationToken;
        private readonly object _gate = new object();
        private readonly Dictionary<string, Host> _hostsByName = new Dictionary<string, Host>(StringComparer.OrdinalIgnoreCase);
        private readonly List<Host> _hosts = new List<Host>();
        private readonly OrderedRelease<SmtpPortResult> _inputOrder = new OrderedRelease<SmtpPortResult>();
        private readonly List<Task> _probes = new List<Task>();

        // Endpoints not finished yet, oldest first (insertion order), for the progress report.
        private readonly LinkedList<string> _pending = new LinkedList<string>();
        private int _nextHostToRelease;
        private int _total;
        private int _completed;
        private bool _inputComplete;

        /// <summary>Creates a sweep; nothing runs until <see cref="Add"/>.</summary>
        /// <param name="options">How each endpoint is probed; transcript lines get an "[host:port]" prefix.</param>
        /// <param name="throttleLimit">How many resolutions and probes run at once.</param>
        /// <param name="keepInputOrder">Raise <see cref="ResultReady"/> and <see cref="HostCompleted"/> in the order endpoints and hosts were added, not as they complete.</param>
        /// <param name="cancellationToken">Stops every probe.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="throttleLimit"/> is less than 1.</exception>
        public SmtpPortSweep(SmtpProbeOptions options, int throttleLimit, bool keepInputOrder, CancellationToken cancellationToken)
        {
            if (throttleLimit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(throttleLimit), throttleLimit, "At least one probe must be allowed to run.");
            }

            _options = options ?? throw new ArgumentNullException(nameof(options));
            _throttle = new SemaphoreSlim(throttleLimit);
            _keepInputOrder = keepInputOrder;
            _cancellationToken = cancellationToken;
        }

        /// <summary>One endpoint's result, as it completes (or in input order).</summary>
        public event Action<SmtpPortResult>? ResultReady;

        /// <summary>Raised after each probe completes: completed of total, and which endpoints are still awaited.</summary>
        public event Action<SweepProgress>? ProgressChanged;

        /// <summary>A host's name did not resolve (or its lookup timed out): raised once per host, whatever its number of ports.</summary>
        public event Action<string, SmtpConnectionException>? ResolutionFailed;

        /// <summary>Every probe of a host is done and input is over: which of its endpoints to submit mail to.</summary>
        public event Action<SmtpSubmissionRecommendation>? HostCompleted;

        /// <summary>Replaces name resolution (tests count lookups with it).</summary>
        internal Func<string, TimeSpan, CancellationToken, Task<IPAddress[]>> Resolver { get; set; } = SmtpWireSession.ResolveAsync;

        /// <summary>
        /// Starts probing <paramref name="ports"/> of <paramref name="computerName"/> (duplicates probed once); the host is
        /// resolved on its first appearance only. A name that cannot be a host name (empty, a space, a URL...) is not an
        /// exception: like a name that does not resolve, it gets <see cref="ResolutionFailed"/> and NameNotResolved results.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">A port is not 1-65535.</exception>
        /// <exception cref="InvalidOperationException"><see cref="CompleteAsync"/> was already called.</exception>
        public void Add(string computerName, IEnumerable<int> ports)
        {
            var distinct = (ports ?? throw new ArgumentNullException(nameof(ports))).Distinct().ToList();
            foreach (var port in distinct.Where(p => p < 1 || p > 65535))
            {
                throw new ArgumentOutOfRangeException(nameof(ports), port, "A TCP port is 1-65535.");
            }

            var name = (computerName ?? string.Empty).Trim();
            lock (_gate)
            {
                if (_inputComplete)
                {
                    throw new InvalidOperationException("The sweep's input is already complete.");
                }

                if (!_hostsByName.TryGetValue(name, out var host))
                {
                    host = new Host(name, Task.Run(() => ResolveAsync(name), _cancellationToken));
                    _hostsByName.Add(name, host);
                    _hosts.Add(host);
                }

                foreach (var port in distinct)
                {
                    host.Pending++;
                    _total++;
                    var place = _keepInputOrder ? _inputOrder.Reserve() : -1;
                    var pending = _pending.AddLast(EndpointName(name, port));
                    _probes.Add(Task.Run(() => ProbeAsync(host, port, place, pending), _cancellationToken));
                }
            }
        }

        /// <summary>Declares the input complete and waits for every probe; hosts already done get their <see cref="HostCompleted"/> now.</summary>
        /// <exception cref="OperationCanceledException">The sweep was cancelled.</exception>
        public Task CompleteAsync()
        {
            Task[] probes;
            lock (_gate)
            {
                _inputComplete = true;
                ReleaseFinishedHosts(null);
                probes = _probes.ToArray();
            }

            return Task.WhenAll(probes);
        }

        private async Task<IPAddress[]> ResolveAsync(string name)
        {
            await _throttle.WaitAsync(_cancellationToken).ConfigureAwait(false);
            try
            {
                return await Resolver(name, _options.Timeout, _cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _throttle.Release();
            }
        }

        private async Task ProbeAsync(Host host, int port, int place, LinkedListNode<string> pending)
        {
            SmtpPortResult result;
            IPAddress[]? addresses = null;
            try
            {
                addresses = await host.Addresses.ConfigureAwait(false);
            }
            catch (SmtpConnectionException e)
            {
                ReportResolutionFailure(host, e);
                result = SmtpEndpointProbe.Unresolved(host.Name, port, e);
                Finish(host, place, pending, result);
                return;
            }

            await host.Concurrency.WaitAsync(_cancellationToken).ConfigureAwait(false);
            try
            {
                await _throttle.WaitAsync(_cancellationToken).ConfigureAwait(false);
                try
                {
                    result = await SmtpEndpointProbe.ProbeAsync(host.Name, addresses, port, OptionsFor(host.Name, port), _cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _throttle.Release();
                }
            }
            finally
            {
                host.Concurrency.Release();
            }

            Finish(host, place, pending, result);
        }

        // "host:port", with brackets around an IPv6 literal, as in transcripts and progress.
        private static string EndpointName(string host, int port) =>
            (IPAddress.TryParse(host.Trim('[', ']'), out var a) && a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]" : host) + ":" + port;

        private SmtpProbeOptions OptionsFor(string host, int port)
        {
            var transcript = _options.Transcript;
            if (transcript == null)
            {
                return _options;
            }

            var prefix = "[" + EndpointName(host, port) + "] ";
            return _options.WithTranscript(line => transcript(prefix + line));
        }

        private void ReportResolutionFailure(Host host, SmtpConnectionException failure)
        {
            lock (_gate)
            {
                if (host.FailureReported)
                {
                    return;
                }

                host.FailureReported = true;
                ResolutionFailed?.Invoke(host.Name, failure);
            }
        }

        private void Finish(Host host, int place, LinkedListNode<string> pending, SmtpPortResult result)
        {
            lock (_gate)
            {
                _completed++;
                host.Pending--;
                host.Results.Add(result);
                _pending.Remove(pending);
                ProgressChanged?.Invoke(new SweepProgress(_completed, _total, _pending.Take(PendingShown).ToList(), _pending.Count));
                var ready = _keepInputOrder ? _inputOrder.Fill(place, result) : new[] { result };
                foreach (var item in ready)
                {
                    ResultReady?.Invoke(item);
                }

                if (_inputComplete)
                {
                    ReleaseFinishedHosts(host);
                }
            }
        }

        // Called under the lock. In input order, hosts leave in line; otherwise the one that just finished (or, when input ends, all finished ones).
        private void ReleaseFinishedHosts(Host? justFinished)
        {
            if (_keepInputOrder)
            {
                while (_nextHostToRelease < _hosts.Count && _hosts[_nextHostToRelease].Pending == 0)
                {
                    Release(_hosts[_nextHostToRelease++]);
                }

                return;
            }

            foreach (var host in justFinished == null ? _hosts : new List<Host> { justFinished })
            {
                if (host.Pending == 0 && !host.Released)
                {
                    Release(host);
                }
            }
        }

        private void Release(Host host)
        {
            host.Released = true;
            HostCompleted?.Invoke(SubmissionRanking.Recommend(host.Name, host.Results));
        }

        private sealed class Host
        {
            public Host(string name, Task<IPAddress[]> addresses)
            {
                Name = name;
                Addresses = addresses;
            }

            public string Name { get; }

            public Task<IPAddress[]> Addresses { get; }

            /// <summary>Bounds how many of this host's ports are probed at once, whatever the sweep's throttle.</summary>
            public SemaphoreSlim Concurrency { get; } = new SemaphoreSlim(PerHostLimit);

            public int Pending { get; set; }

            public List<SmtpPortResult> Results { get; } = new List<SmtpPortResult>();

            public bool FailureReported { get; set; }

            public bool Released { get; set; }
        }
    }
}
