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
    /// Probes many endpoints at once, at most <c>throttleLimit</c> probes in flight (fewer when the process's file
    /// descriptor limit cannot hold that many sockets): each host is resolved once for all its ports, results come out
    /// as they complete (or in input order), and once input is over each host's <see cref="SmtpSubmissionRecommendation"/>
    /// follows its last result. A silent endpoint holds its slot for about one timeout while using no CPU, so the
    /// default throttle is large: a sweep whose silent endpoints all fit in it takes about one timeout.
    /// Endpoints wait in a queue (host, port, place: a few dozen bytes each) until a slot is free; nothing is allocated
    /// for a probe before it starts, and a finished probe keeps only its result.
    /// Events are raised on worker threads, one at a time: handlers must be quick and must not block (the cmdlet
    /// posts them to the pipeline thread).
    /// </summary>
    public sealed class SmtpPortSweep
    {
        /// <summary>
        /// The default for <c>throttleLimit</c> (Test-SmtpPort -ThrottleLimit), chosen from the sweep benchmark (bench/README.md):
        /// probes waiting on silent endpoints cost a socket each and no CPU, so the sweep stays within about one timeout
        /// while its silent endpoints fit in this many slots.
        /// </summary>
        public const int DefaultThrottleLimit = 1024;

        /// <summary>
        /// At most this many probes are within their greeting wait at once (<see cref="SmtpProbeOptions.GreetingWait"/>,
        /// 1 s by default): that is when an answering endpoint's probe does its work (connect, greeting, EHLO, TLS
        /// handshake, certificate checks, usually within milliseconds); one still running after it waits on a silent or
        /// slow server and no longer counts, nor does one whose server has sent nothing for <see cref="QuietHold"/>. The CPU-bound part of a sweep stays this wide however large the throttle, so
        /// answering endpoints are not starved into false timeouts while hundreds of silent ones wait: with a shorter
        /// window (250 ms) a busy 2-core machine reported 452 of 750 answering endpoints of a 1,000-endpoint sweep as
        /// silent (bench/README.md).
        /// </summary>
        internal const int StartingLimit = 128;

        /// <summary>
        /// Replaces <see cref="StartingLimit"/> for every sweep of the process: the benchmark's diagnostic of a sweep that
        /// lets every probe in at once (bench/README.md, the stand-in servers); never set by the module.
        /// </summary>
        internal static int? StartingLimitOverride { get; set; }

        /// <summary>
        /// The least time a probe whose server has sent nothing at all (no connection yet, no greeting, no answer to the
        /// ClientHello beside it) holds its starting slot: while servers answer within milliseconds, one still quiet
        /// after 25 ms most likely waits on a silent or firewalled endpoint, and gives its slot to the next endpoint;
        /// so a range of silent endpoints starts its probes 128 at a time about every 50 ms (the hold and the work of
        /// starting them), 1,000 of them within about 0.4 s (1.30 timeouts for the sweep, bench/README.md).
        /// </summary>
        internal static readonly TimeSpan QuietAfter = TimeSpan.FromMilliseconds(25);

        /// <summary>
        /// A quiet probe holds its starting slot this many times as long as servers have lately taken to answer (see
        /// <see cref="QuietHold"/>), between <see cref="QuietAfter"/> and the start window. On a busy machine, or over a
        /// slow network, an answering server looks quiet for longer too; letting more probes in then would starve
        /// answering servers into false timeouts (measured: 271 of 1,000 wrong results when any probe quiet for 100 ms
        /// could leave, 622 of 750 when every probe started at once). Holding for a multiple of the answer time lets
        /// new probes in only as fast as the answers come, whatever the machine and the network.
        /// </summary>
        internal const int QuietFactor = 4;

        // Each answer's time weighs this fraction in the moving average of how long servers take to answer.
        private const int AnswerAverageWeight = 8;

        /// <summary>The largest <c>throttleLimit</c> accepted (Test-SmtpPort's ValidateRange).</summary>
        public const int MaximumThrottleLimit = 4096;

        /// <summary>
        /// At most this many ports of one host are probed at once, so one host cannot take every slot of the throttle.
        /// Each port is probed once (one or two connections), and servers limit connections per client and listener
        /// (Postfix: 50 per service), so this bounds only scans of very many ports of one host: 100 ports of one host
        /// take as long as 100 endpoints spread over 20 hosts (bench/README.md).
        /// </summary>
        internal const int PerHostLimit = 128;

        /// <summary>
        /// A port number is taken for silent across the sweep once this many of its probes have gone quiet (left their
        /// starting slot with nothing heard from their server) without even a TCP connection, and none of its probes has
        /// connected: a network that blocks a port outbound (25 or 2525, most often) drops its connection attempts on
        /// every host, and the queue, one port of each host in turn, reaches the later ports of a host list last. Its
        /// endpoints still waiting then start early, beside the queue, in up to <see cref="StartingLimit"/> more starting
        /// slots, instead of waiting for the answering endpoints ahead of them; the first connection on the port stops
        /// that. A port whose servers accept and then say nothing for a while is not evidence: implicit TLS (465) says
        /// nothing until a ClientHello is answered, which a loaded server does late, and taking it for silent once started
        /// two connections to every host's 465 at once (measured: 104-253 of 750 answering endpoints reported silent).
        /// </summary>
        internal const int QuietPortEvidence = 8;

        /// <summary>How many of the endpoints still pending a progress report names.</summary>
        public const int PendingShown = 3;

        private readonly SmtpProbeOptions _options;
        private readonly int _limit;
        private readonly string? _throttleWarning;
        private readonly TimeSpan _startWindow;
        private readonly bool _keepInputOrder;
        private readonly CancellationToken _cancellationToken;
        private readonly object _gate = new object();
        private readonly Dictionary<string, Host> _hostsByName = new Dictionary<string, Host>(StringComparer.OrdinalIgnoreCase);
        private readonly List<Host> _hosts = new List<Host>();
        private readonly OrderedRelease<SmtpPortResult> _inputOrder = new OrderedRelease<SmtpPortResult>();
        private readonly SweepMemory _memory = new SweepMemory();

        // Hosts with endpoints waiting and a free per-host slot, served in turn.
        private readonly Queue<Host> _ready = new Queue<Host>();
        private readonly TaskCompletionSource<bool> _done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Endpoints not finished yet, oldest first (insertion order), for the progress report.
        private readonly LinkedList<string> _pending = new LinkedList<string>();
        private int _nextHostToRelease;
        private int _total;
        private int _completed;
        private int _running;
        private int _starting;
        private int _startingEarly; // probes of quiet ports started beside the queue, still within their start
        private readonly Dictionary<int, Port> _ports = new Dictionary<int, Port>();
        private readonly List<Port> _quietPorts = new List<Port>();
        private long _answerTicks; // how long servers take to answer: a moving average, in ticks
        private bool _throttleWarned;
        private bool _inputComplete;

        /// <summary>Creates a sweep; nothing runs until <see cref="Add"/>.</summary>
        /// <param name="options">How each endpoint is probed; transcript lines get an "[host:port]" prefix.</param>
        /// <param name="throttleLimit">How many probes (each with its host's name lookup, when it is the host's first) run at once.</param>
        /// <param name="keepInputOrder">Raise <see cref="ResultReady"/> and <see cref="HostCompleted"/> in the order endpoints and hosts were added, not as they complete.</param>
        /// <param name="cancellationToken">Stops every probe.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="throttleLimit"/> is less than 1.</exception>
        public SmtpPortSweep(SmtpProbeOptions options, int throttleLimit, bool keepInputOrder, CancellationToken cancellationToken)
            : this(options, throttleLimit, keepInputOrder, DescriptorBudget.Available(), cancellationToken)
        {
        }

        /// <summary>A sweep that believes <paramref name="availableDescriptors"/> more files or sockets can be opened (null: no limit).</summary>
        internal SmtpPortSweep(SmtpProbeOptions options, int throttleLimit, bool keepInputOrder, long? availableDescriptors, CancellationToken cancellationToken)
        {
            if (throttleLimit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(throttleLimit), throttleLimit, "At least one probe must be allowed to run.");
            }

            _options = options ?? throw new ArgumentNullException(nameof(options));
            _limit = DescriptorBudget.Afford(throttleLimit, availableDescriptors, out _throttleWarning);
            _startWindow = options.GreetingWait > TimeSpan.Zero && options.GreetingWait < options.Timeout ? options.GreetingWait : options.Timeout;
            _keepInputOrder = keepInputOrder;
            _cancellationToken = cancellationToken;
            Resolver = (name, timeout, token) => SmtpWireSession.ResolveAsync(name, timeout, _options.Dns, token);
            Prober = SmtpEndpointProbe.ProbeAsync;
            _cancellationToken.Register(Cancel);
        }

        /// <summary>One endpoint's result, as it completes (or in input order).</summary>
        public event Action<SmtpPortResult>? ResultReady;

        /// <summary>Raised after each probe completes: completed of total, and which endpoints are still awaited.</summary>
        public event Action<SweepProgress>? ProgressChanged;

        /// <summary>A host's name did not resolve (or its lookup timed out): raised once per host, whatever its number of ports.</summary>
        public event Action<string, SmtpConnectionException>? ResolutionFailed;

        /// <summary>Every probe of a host is done and input is over: which of its endpoints to submit mail to.</summary>
        public event Action<SmtpSubmissionRecommendation>? HostCompleted;

        /// <summary>How many probes run at once: the throttle limit asked for, or less when the descriptor limit is too low for it.</summary>
        public int EffectiveThrottleLimit => _limit;

        /// <summary>Why <see cref="EffectiveThrottleLimit"/> is below the limit asked for, and how to raise it; null when it is not.</summary>
        public string? ThrottleWarning => _throttleWarning;

        /// <summary>
        /// Raised once, the first time endpoints wait because <see cref="EffectiveThrottleLimit"/> was lowered to fit the
        /// process's descriptor limit (a sweep small enough to fit says nothing): <see cref="ThrottleWarning"/>.
        /// </summary>
        public event Action<string>? ThrottleLowered;

        /// <summary>How many finished probes the sweep's memory keeper has been told of (tests).</summary>
        internal int MemoryChecks => _memory.Checks;

        /// <summary>Replaces name resolution (tests count lookups with it).</summary>
        internal Func<string, TimeSpan, CancellationToken, Task<IPAddress[]>> Resolver { get; set; }

        /// <summary>Replaces the probe itself (tests sweep thousands of endpoints without a socket).</summary>
        internal Func<string, IReadOnlyList<IPAddress>, int, SmtpProbeOptions, CancellationToken, Task<SmtpPortResult>> Prober { get; set; }

        /// <summary>
        /// Queues <paramref name="ports"/> of <paramref name="computerName"/> (duplicates probed once); the host is resolved
        /// when its first port is probed, once. A name that cannot be a host name (empty, a space, a URL...) is not an
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
                    host = new Host(name);
                    _hostsByName.Add(name, host);
                    _hosts.Add(host);
                }

                foreach (var port in distinct)
                {
                    host.Pending++;
                    _total++;
                    var place = _keepInputOrder ? _inputOrder.Reserve() : -1;
                    var endpoint = new Endpoint(port, place, _pending.AddLast(EndpointName(name, port)));
                    host.Waiting.Enqueue(endpoint);
                    endpoint.PortNode = PortOf(port).Waiting.AddLast((host, endpoint));
                }

                MakeReady(host);
                StartWhatFits();
            }
        }

        /// <summary>Declares the input complete and waits for every probe; hosts already done get their <see cref="HostCompleted"/> now.</summary>
        /// <exception cref="OperationCanceledException">The sweep was cancelled.</exception>
        public Task CompleteAsync()
        {
            lock (_gate)
            {
                _inputComplete = true;
                ReleaseFinishedHosts(null);
                FinishIfDone();
            }

            return _done.Task;
        }

        // Under the lock: the sweep's record of one port number.
        private Port PortOf(int number)
        {
            if (!_ports.TryGetValue(number, out var port))
            {
                port = new Port();
                _ports.Add(number, port);
            }

            return port;
        }

        // Under the lock: a host with endpoints waiting and a free per-host slot joins the line (once).
        private void MakeReady(Host host)
        {
            DropStartedEarly(host);
            if (!host.InLine && host.Waiting.Count > 0 && host.Running < PerHostLimit)
            {
                host.InLine = true;
                _ready.Enqueue(host);
            }
        }

        // Under the lock: starts probes while slots are free, one endpoint per host in turn.
        private void StartWhatFits()
        {
            while (_running < _limit && _starting < (StartingLimitOverride ?? StartingLimit) && _ready.Count > 0 && !_cancellationToken.IsCancellationRequested)
            {
                var host = _ready.Dequeue();
                host.InLine = false;
                DropStartedEarly(host);
                if (host.Waiting.Count > 0)
                {
                    Launch(host, host.Waiting.Dequeue(), early: false);
                }
            }

            StartQuietPortsEarly();

            if (_running >= _limit && _ready.Count > 0 && _throttleWarning != null && !_throttleWarned)
            {
                _throttleWarned = true;
                ThrottleLowered?.Invoke(_throttleWarning);
            }
        }

        // Under the lock: endpoints at the head of a host's line that were started early, beside the queue, leave it.
        private static void DropStartedEarly(Host host)
        {
            while (host.Waiting.Count > 0 && host.Waiting.Peek().Launched)
            {
                host.Waiting.Dequeue();
            }
        }

        // Under the lock: gives the endpoint its slot (and a starting slot, an early one for a quiet port's) and starts its probe.
        private void Launch(Host host, Endpoint endpoint, bool early)
        {
            endpoint.Launched = true;
            if (endpoint.PortNode?.List is { } portLine)
            {
                portLine.Remove(endpoint.PortNode);
            }

            host.Running++;
            _running++;
            if (early)
            {
                _startingEarly++;
                EarlyStarts++;
            }
            else
            {
                _starting++;
            }

            endpoint.Starting = true;
            endpoint.Early = early;
            endpoint.StartedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            host.Addresses ??= ResolveAsync(host.Name);
            MakeReady(host);
            _ = Task.Run(() => ProbeAsync(host, endpoint));
        }

        // Under the lock: endpoints of ports taken for silent (QuietPortEvidence) start beside the queue, in their own
        // starting slots, while the throttle allows.
        private void StartQuietPortsEarly()
        {
            // A port whose line is empty stays in the list while it is taken for silent: input can still bring endpoints
            // of it (a pipeline). Launching changes port lines, never the list.
            foreach (var port in _quietPorts)
            {
                var next = port.Waiting.First;
                while (next != null && !_cancellationToken.IsCancellationRequested)
                {
                    if (_running >= _limit || _startingEarly >= StartingLimit)
                    {
                        return;
                    }

                    var (host, endpoint) = next.Value;
                    next = next.Next;
                    if (host.Running < PerHostLimit)
                    {
                        Launch(host, endpoint, early: true);
                    }
                }
            }
        }

        /// <summary>
        /// Replaces the adaptive <see cref="QuietHold"/> (tests of the quiet-port rule: on a loaded machine the sweep's own
        /// scheduling delay counts in how long servers seem to take to answer, and the adaptive hold grows with it).
        /// </summary>
        internal TimeSpan? FixedQuietHold { get; set; }

        /// <summary>Whether the sweep has taken <paramref name="port"/> for silent on every host (tests).</summary>
        internal bool IsTakenForSilent(int port)
        {
            lock (_gate)
            {
                return _ports.TryGetValue(port, out var p) && p.TakenForSilent && !p.Answered && !p.Connected;
            }
        }

        /// <summary>How many probes started early, beside the queue, because their port had been taken for silent (tests).</summary>
        internal int EarlyStarts { get; private set; }

        // Under the lock: the probe left its starting slot with nothing heard from its server.
        private void WentQuiet(Endpoint endpoint)
        {
            if (endpoint.Connected)
            {
                return; // its server is slow or mute, not blocked by the network
            }

            var port = PortOf(endpoint.Port);
            port.Quiet++;
            if (!port.Answered && !port.Connected && !port.TakenForSilent && port.Quiet >= QuietPortEvidence)
            {
                port.TakenForSilent = true;
                _quietPorts.Add(port);
            }
        }

        // The probe is past its greeting wait (or ended): its starting slot goes to the next endpoint.
        private void Started(Endpoint endpoint)
        {
            lock (_gate)
            {
                if (endpoint.Starting)
                {
                    ReleaseStartingSlot(endpoint);
                    StartWhatFits();
                }
            }
        }

        // Under the lock.
        private void ReleaseStartingSlot(Endpoint endpoint)
        {
            endpoint.Starting = false;
            if (endpoint.Early)
            {
                _startingEarly--;
            }
            else
            {
                _starting--;
            }
        }

        private async Task<IPAddress[]> ResolveAsync(string name)
        {
            await Task.Yield(); // not under the caller's lock
            return await Resolver(name, _options.Timeout, _cancellationToken).ConfigureAwait(false);
        }

        private async Task ProbeAsync(Host host, Endpoint endpoint)
        {
            SmtpPortResult result;
            try
            {
                IPAddress[] addresses;
                try
                {
                    addresses = await host.Addresses!.ConfigureAwait(false);
                }
                catch (SmtpConnectionException e)
                {
                    ReportResolutionFailure(host, e);
                    result = SmtpEndpointProbe.Unresolved(host.Name, endpoint.Port, e);
                    Finish(host, endpoint, result);
                    return;
                }

                var probe = Prober(host.Name, addresses, endpoint.Port, OptionsFor(host.Name, endpoint, () => Answered(endpoint), () => Connected(endpoint)), _cancellationToken);
                await HoldStartingSlotAsync(endpoint, probe).ConfigureAwait(false);
                Started(endpoint);
                result = await probe.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                Finish(host, endpoint, null);
                return;
            }
            catch (Exception e)
            {
                // A bug, not a network outcome (those are results): the sweep fails with it rather than hang.
                _done.TrySetException(e);
                Finish(host, endpoint, null);
                return;
            }

            _memory.ProbeFinished(); // before the result leaves: the sweep is not done while it collects
            Finish(host, endpoint, result);
        }

        // "host:port", with brackets around an IPv6 literal, as in transcripts and progress.
        private static string EndpointName(string host, int port) =>
            (IPAddress.TryParse(host.Trim('[', ']'), out var a) && a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]" : host) + ":" + port;

        // While the probe starts: until it ends, or its server is still quiet after QuietHold, or else the start window passes.
        private async Task HoldStartingSlotAsync(Endpoint endpoint, Task probe)
        {
            var quiet = QuietHold();
            if (await Task.WhenAny(probe, Task.Delay(quiet, _cancellationToken)).ConfigureAwait(false) == probe || _cancellationToken.IsCancellationRequested || quiet >= _startWindow)
            {
                return;
            }

            lock (_gate)
            {
                if (!endpoint.Answered)
                {
                    WentQuiet(endpoint);
                    return; // quiet: it only waits from now on
                }
            }

            await Task.WhenAny(probe, Task.Delay(_startWindow - quiet, _cancellationToken)).ConfigureAwait(false);
        }

        /// <summary>
        /// How long a probe starting now holds its starting slot while its server stays quiet: <see cref="QuietFactor"/>
        /// times the moving average of how long this sweep's servers took to answer (from the probe's start to their
        /// first bytes), at least <see cref="QuietAfter"/> (also before any has answered) and at most the start window.
        /// </summary>
        internal TimeSpan QuietHold()
        {
            lock (_gate)
            {
                if (FixedQuietHold is { } fixedHold)
                {
                    return fixedHold;
                }

                var hold = TimeSpan.FromTicks(_answerTicks * QuietFactor);
                return hold < QuietAfter ? QuietAfter : hold > _startWindow ? _startWindow : hold;
            }
        }

        // The probe's server sent its first bytes: the probe holds its starting slot while it works (CPU: the greeting's
        // EHLO, the TLS handshake and certificate checks), and how long the server took counts in the average.
        private void Answered(Endpoint endpoint)
        {
            lock (_gate)
            {
                if (!endpoint.Answered && !endpoint.Finished)
                {
                    endpoint.Answered = true;
                    var port = PortOf(endpoint.Port);
                    port.Answered = true;
                    _quietPorts.Remove(port); // a server answered on it: its endpoints wait their turn again
                    var took = (long)((System.Diagnostics.Stopwatch.GetTimestamp() - endpoint.StartedAt) * ((double)TimeSpan.TicksPerSecond / System.Diagnostics.Stopwatch.Frequency));
                    _answerTicks += (took - _answerTicks) / AnswerAverageWeight;
                }
            }
        }

        // The probe's TCP connection is up: its port is not blocked by the network (QuietPortEvidence), so its
        // endpoints still waiting wait their turn.
        private void Connected(Endpoint endpoint)
        {
            lock (_gate)
            {
                if (!endpoint.Connected && !endpoint.Finished)
                {
                    endpoint.Connected = true;
                    var port = PortOf(endpoint.Port);
                    port.Connected = true;
                    _quietPorts.Remove(port);
                }
            }
        }

        private SmtpProbeOptions OptionsFor(string host, Endpoint endpoint, Action answered, Action connected)
        {
            var transcript = _options.Transcript;
            var prefix = transcript == null ? null : "[" + EndpointName(host, endpoint.Port) + "] ";
            return _options.With(transcript == null ? null : line => transcript(prefix + line), answered, connected);
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

        // A probe ended: its slot goes to the next endpoint, its result out; null when it was cancelled (or failed).
        private void Finish(Host host, Endpoint endpoint, SmtpPortResult? result)
        {
            lock (_gate)
            {
                if (endpoint.Starting)
                {
                    ReleaseStartingSlot(endpoint);
                }

                endpoint.Finished = true;

                _running--;
                host.Running--;
                MakeReady(host);
                StartWhatFits();
                if (result == null)
                {
                    FinishIfDone();
                    return;
                }

                _completed++;
                host.Pending--;
                if (HostCompleted != null)
                {
                    host.Results.Add(result); // only a recommendation needs a host's results together
                }

                _pending.Remove(endpoint.Pending);
                ProgressChanged?.Invoke(new SweepProgress(_completed, _total, _pending.Take(PendingShown).ToList(), _pending.Count));
                if (_keepInputOrder)
                {
                    foreach (var item in _inputOrder.Fill(endpoint.Place, result))
                    {
                        ResultReady?.Invoke(item);
                    }
                }
                else
                {
                    ResultReady?.Invoke(result);
                }

                if (_inputComplete)
                {
                    ReleaseFinishedHosts(host);
                }

                FinishIfDone();
            }
        }

        private void Cancel()
        {
            lock (_gate)
            {
                // Endpoints not started never will be; running probes end with the token.
                foreach (var host in _hosts)
                {
                    host.Waiting.Clear();
                }

                foreach (var port in _ports.Values)
                {
                    port.Waiting.Clear();
                }

                _quietPorts.Clear();
                _ready.Clear();
                FinishIfDone();
            }
        }

        // Under the lock: once input is over and nothing runs or waits, the sweep is done (cancelled when it was).
        private void FinishIfDone()
        {
            if (!_inputComplete || _running > 0 || (_completed < _total && !_cancellationToken.IsCancellationRequested))
            {
                return;
            }

            if (_cancellationToken.IsCancellationRequested && _completed < _total)
            {
                _done.TrySetCanceled(_cancellationToken);
            }
            else
            {
                _done.TrySetResult(true);
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
            if (HostCompleted != null)
            {
                HostCompleted(SubmissionRanking.Recommend(host.Name, host.Results));
                host.Results.Clear();
            }
        }

        private sealed class Endpoint
        {
            public Endpoint(int port, int place, LinkedListNode<string> pending)
            {
                Port = port;
                Place = place;
                Pending = pending;
            }

            public int Port { get; }

            public int Place { get; }

            public LinkedListNode<string> Pending { get; }

            /// <summary>Counted in the sweep's starting probes (see <see cref="StartingLimit"/>).</summary>
            public bool Starting { get; set; }

            /// <summary>Its server has sent something: it holds its starting slot until it ends or the start window passes.</summary>
            public bool Answered { get; set; }

            /// <summary>Its TCP connection was established.</summary>
            public bool Connected { get; set; }

            /// <summary>When it was given its slot (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), for how long its server takes to answer.</summary>
            public long StartedAt { get; set; }

            public bool Finished { get; set; }

            /// <summary>Given a slot (from the queue, or early for a quiet port).</summary>
            public bool Launched { get; set; }

            /// <summary>Started early, beside the queue, its port taken for silent: it holds an early starting slot.</summary>
            public bool Early { get; set; }

            /// <summary>Its place in its port's line while it waits.</summary>
            public LinkedListNode<(Host Host, Endpoint Endpoint)>? PortNode { get; set; }
        }

        /// <summary>What the sweep has seen of one port number across its hosts.</summary>
        private sealed class Port
        {
            /// <summary>Endpoints with this port still waiting, in input order.</summary>
            public LinkedList<(Host Host, Endpoint Endpoint)> Waiting { get; } = new LinkedList<(Host, Endpoint)>();

            /// <summary>Probes that left their starting slot with nothing heard from their server and no connection.</summary>
            public int Quiet { get; set; }

            /// <summary>A server answered on this port.</summary>
            public bool Answered { get; set; }

            /// <summary>A probe of this port established a TCP connection: the network does not block it.</summary>
            public bool Connected { get; set; }

            /// <summary>Its waiting endpoints start early (see <see cref="QuietPortEvidence"/>), until one connects.</summary>
            public bool TakenForSilent { get; set; }
        }

        private sealed class Host
        {
            public Host(string name)
            {
                Name = name;
            }

            public string Name { get; }

            /// <summary>Started with the host's first probe, awaited by all of them.</summary>
            public Task<IPAddress[]>? Addresses { get; set; }

            /// <summary>Endpoints not started yet, in input order.</summary>
            public Queue<Endpoint> Waiting { get; } = new Queue<Endpoint>();

            /// <summary>Probes running now (at most <see cref="PerHostLimit"/>).</summary>
            public int Running { get; set; }

            public bool InLine { get; set; }

            public int Pending { get; set; }

            public List<SmtpPortResult> Results { get; } = new List<SmtpPortResult>();

            public bool FailureReported { get; set; }

            public bool Released { get; set; }
        }
    }
}
