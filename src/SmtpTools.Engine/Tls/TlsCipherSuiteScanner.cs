using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using SmtpTools.Protocol;

namespace SmtpTools.Tls
{
    /// <summary>
    /// Finds every cipher suite a server accepts at each TLS version, by elimination: offer all candidates, read the
    /// one the server picks from its ServerHello, drop the connection, offer the rest, until the server finds none in
    /// common. The candidates are split into interleaved chains that run in parallel (each chain costs one handshake
    /// per suite it finds plus one), bounded by a shared connection limit. Then two offers of the accepted set, in
    /// order and reversed, tell whether the server or the client decides; when the server does, one more elimination
    /// over the accepted set gives its order. BouncyCastle writes the ClientHellos (SNI, groups, key shares, signature
    /// algorithms); nothing is ever sent after them.
    /// </summary>
    internal sealed class TlsCipherSuiteScanner
    {
        /// <summary>Connections in flight at once, all versions together: enough to hide the round trips, few enough for a server's process limit.</summary>
        public const int DefaultParallelism = 12;

        /// <summary>Candidates per chain: about ten chains at TLS 1.2, five at 1.0 and 1.1, one at 1.3.</summary>
        private const int ChainLength = 24;

        /// <summary>The whole scan stops after this many timeouts, whatever is left: a slow server cannot make it unbounded.</summary>
        public const int TimeoutsPerScan = 3;

        private static readonly TlsCrypto SharedCrypto = new BcTlsCrypto(new SecureRandom());

        private readonly TimeSpan _timeout;
        private readonly string _heloName;
        private readonly int _parallelism;

        /// <param name="timeout">The bound on each step of each handshake; the whole scan is bounded by <see cref="TimeoutsPerScan"/> of them.</param>
        /// <param name="heloName">The EHLO name for STARTTLS connections.</param>
        public TlsCipherSuiteScanner(TimeSpan timeout, string heloName, int parallelism = DefaultParallelism)
        {
            _timeout = timeout;
            _heloName = heloName;
            _parallelism = parallelism;
        }

        /// <summary>
        /// Scans each of <paramref name="versions"/>, all in parallel; results oldest version first, without the versions
        /// the server refused (so it need not wait for the version scan: each version's first offer, of every candidate,
        /// tells refused from accepted before the chains fan out).
        /// </summary>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public async Task<IReadOnlyList<TlsCipherSuiteScan>> ScanAsync(IPAddress address, int port, string serverName, bool startTls, IEnumerable<TlsProtocolVersion> versions, CancellationToken cancellationToken)
        {
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            using (var gate = new SemaphoreSlim(_parallelism))
            {
                deadline.CancelAfter(TimeSpan.FromTicks(_timeout.Ticks * TimeoutsPerScan));
                var target = new Target(address, port, serverName, startTls, gate, deadline.Token);
                var scans = versions.Distinct().OrderBy(v => v).Select(v => ScanVersionAsync(target, v));
                var results = await Task.WhenAll(scans).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                return results.Where(r => r != null).Select(r => r!).ToArray();
            }
        }

        // Null when the server refused the version.
        private async Task<TlsCipherSuiteScan?> ScanVersionAsync(Target target, TlsProtocolVersion version)
        {
            var watch = Stopwatch.StartNew();
            var candidates = TlsCipherSuiteCatalog.CandidatesFor(version);

            // The first offer (everything) answers "is this version on at all?", and finds the first suite.
            var first = await OfferAsync(target, version, candidates).ConfigureAwait(false);
            if (first.Outcome == CipherOfferOutcome.Failed)
            {
                first = await OfferAsync(target, version, candidates).ConfigureAwait(false); // the one retry
            }

            var accepted = new List<int>();
            var handshakes = 1;
            string? problem = null;
            switch (first.Outcome)
            {
                case CipherOfferOutcome.VersionRefused:
                    return null;
                case CipherOfferOutcome.Failed:
                    problem = first.Detail;
                    break;
                case CipherOfferOutcome.Chosen when candidates.Contains(first.Suite):
                    accepted.Add(first.Suite);
                    var rest = candidates.Where(c => c != first.Suite).ToList();
                    var chainCount = Math.Max(1, (rest.Count + ChainLength - 1) / ChainLength);
                    var chains = Enumerable.Range(0, chainCount)
                        .Select(c => rest.Where((_, i) => i % chainCount == c).ToList())
                        .Select(chain => EliminateAsync(target, version, chain, stopAfter: int.MaxValue))
                        .ToArray();
                    var found = await Task.WhenAll(chains).ConfigureAwait(false);
                    accepted.AddRange(found.SelectMany(f => f.Chosen));
                    handshakes += found.Sum(f => f.Handshakes);
                    problem = found.Select(f => f.Problem).FirstOrDefault(p => p != null);
                    break;
                case CipherOfferOutcome.Chosen:
                    problem = $"The server chose {TlsParameterNames.CipherSuite(first.Suite)}, which was not offered.";
                    break;
            }

            var order = TlsCipherOrder.Unknown;
            IReadOnlyList<int> ranked = accepted.OrderBy(s => IndexIn(candidates, s)).ToList();
            if (accepted.Count >= 2 && problem == null)
            {
                var inOrder = ranked.ToList();
                var reversed = ranked.Reverse().ToList();
                var probes = await Task.WhenAll(OfferAsync(target, version, inOrder), OfferAsync(target, version, reversed)).ConfigureAwait(false);
                handshakes += 2;
                if (probes.All(p => p.Outcome == CipherOfferOutcome.Chosen))
                {
                    if (probes[0].Suite == inOrder[0] && probes[1].Suite == reversed[0])
                    {
                        order = TlsCipherOrder.Client;
                    }
                    else
                    {
                        // The server decides: one elimination over what it accepts lists its order (the last one is implied).
                        var sorted = await EliminateAsync(target, version, ranked.ToList(), stopAfter: ranked.Count - 1).ConfigureAwait(false);
                        handshakes += sorted.Handshakes;
                        problem = sorted.Problem;
                        if (problem == null)
                        {
                            order = TlsCipherOrder.Server;
                            ranked = sorted.Chosen.Concat(ranked.Except(sorted.Chosen)).ToList();
                        }
                    }
                }
                else
                {
                    problem = probes.Select(p => p.Detail).FirstOrDefault(d => d != null);
                }
            }

            var suites = ranked.Select((s, i) =>
            {
                var suite = TlsCipherSuiteCatalog.Describe(version, s);
                suite.Preference = order == TlsCipherOrder.Server ? i + 1 : (int?)null;
                return suite;
            }).ToArray();
            if (problem == null && target.Cancellation.IsCancellationRequested)
            {
                problem = $"The scan ran out of time ({TimeoutsPerScan} x {_timeout.TotalSeconds:0.#} s).";
            }

            return new TlsCipherSuiteScan(version, suites, order, candidates.Count, handshakes, problem == null, problem, watch.Elapsed);
        }

        private static int IndexIn(IReadOnlyList<int> list, int value)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] == value)
                {
                    return i;
                }
            }

            return int.MaxValue;
        }

        // Offers what is left, takes out what the server picks, until none is in common (or stopAfter picks).
        private async Task<Elimination> EliminateAsync(Target target, TlsProtocolVersion version, List<int> remaining, int stopAfter)
        {
            var result = new Elimination();
            var retried = false;
            while (remaining.Count > 0 && result.Chosen.Count < stopAfter)
            {
                if (target.Cancellation.IsCancellationRequested)
                {
                    result.Problem = $"The scan ran out of time ({TimeoutsPerScan} x {_timeout.TotalSeconds:0.#} s).";
                    return result;
                }

                var offer = await OfferAsync(target, version, remaining).ConfigureAwait(false);
                result.Handshakes++;
                switch (offer.Outcome)
                {
                    case CipherOfferOutcome.Chosen when remaining.Remove(offer.Suite):
                        result.Chosen.Add(offer.Suite);
                        continue;
                    case CipherOfferOutcome.Chosen:
                        result.Problem = $"The server chose {TlsParameterNames.CipherSuite(offer.Suite)}, which was not offered.";
                        return result;
                    case CipherOfferOutcome.NoneInCommon:
                        return result;
                    case CipherOfferOutcome.VersionRefused:
                        result.Problem = $"The server refused {version} during the scan.";
                        return result;
                    default:
                        if (retried || target.Cancellation.IsCancellationRequested)
                        {
                            result.Problem = offer.Detail;
                            return result;
                        }

                        retried = true; // one retry: a busy server may drop a connection now and then
                        continue;
                }
            }

            return result;
        }

        /// <summary>One ClientHello offering <paramref name="suites"/> at <paramref name="version"/> alone; never throws for network outcomes.</summary>
        private async Task<CipherOffer> OfferAsync(Target target, TlsProtocolVersion version, IReadOnlyList<int> suites)
        {
            var token = target.Cancellation;
            try
            {
                await target.Gate.WaitAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return CipherOffer.Failed("The scan ran out of time.");
            }

            try
            {
                var client = new CipherOfferClient(TlsVersionScanner.ToBouncyCastle(version), TlsVersionScanner.SniName(target.ServerName), suites.ToArray());
                return await ScanConnection.RunAsync(target.Address, target.Port, target.ServerName, target.StartTls, _timeout, _heloName, stream => ExchangeHellosAsync(client, stream, version), token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return CipherOffer.Failed("The scan ran out of time.");
            }
            catch (SmtpConnectionException e)
            {
                return CipherOffer.Failed(e.Message);
            }
            catch (TimeoutException)
            {
                return CipherOffer.Failed($"No answer within {_timeout.TotalSeconds:0.#} s.");
            }
            catch (Exception e) when (ScanConnection.IsNetworkFailure(e))
            {
                return CipherOffer.Failed(e.Message);
            }
            finally
            {
                target.Gate.Release();
            }
        }

        private static async Task<CipherOffer> ExchangeHellosAsync(CipherOfferClient client, Stream stream, TlsProtocolVersion version)
        {
            var protocol = new TlsClientProtocol();
            protocol.Connect(client);
            var hello = new byte[protocol.GetAvailableOutputBytes()];
            protocol.ReadOutput(hello, 0, hello.Length);
            await stream.WriteAsync(hello, 0, hello.Length).ConfigureAwait(false);

            var buffer = new byte[16 * 1024];
            var count = 0;
            while (true)
            {
                if (count == buffer.Length)
                {
                    Array.Resize(ref buffer, Math.Min(buffer.Length * 2, ServerHelloReader.MaxBytes));
                }

                var read = await stream.ReadAsync(buffer, count, buffer.Length - count).ConfigureAwait(false);
                if (read == 0)
                {
                    return CipherOffer.Failed("The server closed the connection without a TLS answer.");
                }

                count += read;
                var answer = ServerHelloReader.TryRead(buffer, count, version);
                if (answer != null)
                {
                    return answer;
                }
            }
        }

        private sealed class Target
        {
            public Target(IPAddress address, int port, string serverName, bool startTls, SemaphoreSlim gate, CancellationToken cancellation)
            {
                Address = address;
                Port = port;
                ServerName = serverName;
                StartTls = startTls;
                Gate = gate;
                Cancellation = cancellation;
            }

            public IPAddress Address { get; }

            public int Port { get; }

            public string ServerName { get; }

            public bool StartTls { get; }

            public SemaphoreSlim Gate { get; }

            public CancellationToken Cancellation { get; }
        }

        private sealed class Elimination
        {
            public List<int> Chosen { get; } = new List<int>();

            public int Handshakes { get; set; }

            public string? Problem { get; set; }
        }

        /// <summary>Offers exactly the given suites at one version, no fallback SCSV; never gets past the ServerHello.</summary>
        private sealed class CipherOfferClient : DefaultTlsClient
        {
            private readonly ProtocolVersion _version;
            private readonly string? _serverName;
            private readonly int[] _suites;

            public CipherOfferClient(ProtocolVersion version, string? serverName, int[] suites)
                : base(SharedCrypto)
            {
                _version = version;
                _serverName = serverName;
                _suites = suites;
            }

            public override int[] GetCipherSuites() => _suites;

            public override TlsAuthentication GetAuthentication() => throw new TlsFatalAlert(AlertDescription.internal_error);

            protected override ProtocolVersion[] GetSupportedVersions() => _version.Only();

            protected override IList<ServerName>? GetSniServerNames() =>
                _serverName == null ? null : new List<ServerName> { new ServerName(NameType.host_name, Encoding.ASCII.GetBytes(_serverName)) };
        }
    }
}
