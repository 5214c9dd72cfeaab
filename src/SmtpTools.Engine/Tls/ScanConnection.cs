using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Tls;
using SmtpTools.Protocol;

namespace SmtpTools.Tls
{
    /// <summary>
    /// One connection of a TLS scan (versions or cipher suites): the shared SMTP conversation stopped right before the
    /// handshake ("220 Ready to start TLS", or just connected for implicit TLS), so the next bytes on the socket are the
    /// scanner's own handshake, which runs under the same timeout that closes the socket.
    /// </summary>
    internal static class ScanConnection
    {
        /// <summary>Connects, speaks the SMTP part, then runs <paramref name="handshake"/> on the raw stream.</summary>
        /// <exception cref="SmtpConnectionException">The SMTP part failed (refused, not SMTP, no STARTTLS...).</exception>
        /// <exception cref="TimeoutException">The handshake did not end within <paramref name="timeout"/>.</exception>
        public static async Task<T> RunAsync<T>(IPAddress address, int port, string serverName, bool startTls, TimeSpan timeout, string heloName, Func<Stream, Task<T>> handshake, CancellationToken cancellationToken)
        {
            var plan = new SmtpConversationPlan
            {
                TargetHost = serverName,
                Port = port,
                Requested = startTls ? SmtpRequestedSecurity.StartTls : SmtpRequestedSecurity.ImplicitTls,
                Timeout = timeout,
                HeloName = heloName,
                End = ConversationEnd.BeforeHandshake,
            };
            using (var conversation = await SmtpConversation.RunAsync(serverName, new[] { address }, plan, throwOnFailure: true, cancellationToken).ConfigureAwait(false))
            {
                var session = conversation.Session!;
                return await SmtpWireSession.WithTimeout(handshake(session.Stream), session.Socket, timeout, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>A failure of the connection or of the TLS exchange on it: a scan result, never a bug to rethrow.</summary>
        public static bool IsNetworkFailure(Exception e) =>
            e is IOException || e is SocketException || e is ObjectDisposedException || e is SmtpProtocolException || e is TlsException;
    }
}
