using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// The implicit-TLS half of the detection: while the first connection still waits for a clear greeting, a second
    /// one to the same address starts the conversation's own TLS handshake (same name, policy and versions), so an
    /// implicit-TLS port is found in about one handshake instead of after the greeting wait. Whoever answers first wins;
    /// the loser is closed. If it is kept, the conversation goes on over it (<see cref="TakeSession"/>).
    /// </summary>
    internal sealed class SecondConnectionHandshake : IDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly HeldTranscript? _transcript;
        private SmtpWireSession? _session;
        private bool _taken;
        private int _disposed;

        private SecondConnectionHandshake(CancellationTokenSource stop, HeldTranscript? transcript)
        {
            _stop = stop;
            _transcript = transcript;
        }

        // A handshake whose connect took (nearly) all the budget still gets this long: one round trip and the server's flight.
        private static readonly TimeSpan LeastHandshakeTime = TimeSpan.FromMilliseconds(50);

        /// <summary>Connect, then the handshake; ends with the TLS session or the handshake's failure.</summary>
        public Task<TlsInspection> Handshake { get; private set; } = null!;

        /// <summary>
        /// Starts the second connection to <paramref name="address"/>: connect and handshake together end within
        /// <paramref name="budget"/> from now. (Each used to have the whole budget from when it began: on a loaded machine
        /// the start and the connect ran late, and a silent port's result came 0.3-0.6 s after its -TimeoutSec.)
        /// </summary>
        public static SecondConnectionHandshake Start(IPAddress address, SmtpConversationPlan plan, TimeSpan budget, CancellationToken cancellationToken)
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var transcript = plan.Transcript == null ? null : new HeldTranscript(plan.Transcript);
            var second = new SecondConnectionHandshake(stop, transcript);
            second.Handshake = second.RunAsync(address, plan, budget, Stopwatch.StartNew(), stop.Token);
            return second;
        }

        /// <summary>The handshake failed because the server answered our ClientHello with an SMTP reply: a plaintext server greeting late.</summary>
        public bool AnsweredInClearSmtp => Handshake.IsFaulted && Volatile.Read(ref _session)?.AnsweredHandshakeInClearSmtp == true;

        /// <summary>
        /// The handshake ended without the server saying anything at all (refused, reset, closed, or cancelled): the
        /// second connection tells nothing about the port, and the first one decides alone, as if it had never been.
        /// </summary>
        public bool LearntNothing
        {
            get
            {
                if (!Handshake.IsFaulted && !Handshake.IsCanceled)
                {
                    return false;
                }

                var failure = Handshake.Exception?.GetBaseException();
                if (failure is SmtpConnectionException e && e.Kind == SmtpFailureKind.CertificateRejected)
                {
                    return false; // a TLS server, with a certificate we refuse
                }

                var session = Volatile.Read(ref _session);
                return session == null || session.ReceivedDuringFailedHandshake.Length == 0;
            }
        }

        /// <summary>Hands the connection (null when it never connected) over to the conversation, with its transcript so far.</summary>
        public SmtpWireSession? TakeSession()
        {
            _taken = true;
            _transcript?.Release();
            return Volatile.Read(ref _session);
        }

        /// <summary>Abandons it unless it was taken: the handshake is cut short and the connection closed.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            if (!_taken)
            {
                _transcript?.Drop();
                _stop.Cancel();
                Volatile.Read(ref _session)?.Dispose();
            }

            // Once the handshake is over (a loser's failure observed: it is no news), its cancellation goes too.
            _ = Handshake.ContinueWith((t, stop) => { _ = t.Exception; ((CancellationTokenSource)stop!).Dispose(); }, _stop, TaskScheduler.Default);
        }

        private async Task<TlsInspection> RunAsync(IPAddress address, SmtpConversationPlan plan, TimeSpan budget, Stopwatch sinceStart, CancellationToken cancellationToken)
        {
            await Task.Yield(); // the first connection's wait goes on meanwhile
            var session = await SmtpWireSession.ConnectAsync(new[] { address }, plan.Port, budget, _transcript == null ? null : (Action<string>)_transcript.Write, cancellationToken).ConfigureAwait(false);
            session.Answered = plan.Answered;
            Volatile.Write(ref _session, session);
            if (cancellationToken.IsCancellationRequested)
            {
                session.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
            }

            var left = budget - sinceStart.Elapsed;
            return await session.UpgradeToTlsAsync(plan.TargetHost, plan.CertificatePolicy, reportOnly: !plan.EnforceCertificate, plan.Protocols, left > LeastHandshakeTime ? left : LeastHandshakeTime, cancellationToken).ConfigureAwait(false);
        }
    }
}
