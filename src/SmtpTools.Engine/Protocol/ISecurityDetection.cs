using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// Tells, on a fresh connection, whether a port greets in clear (plaintext SMTP, maybe STARTTLS) or stays silent
    /// waiting for a ClientHello (implicit TLS, RFC 8314 3.3). One strategy, so a faster one replaces it in one place.
    /// </summary>
    internal interface ISecurityDetection
    {
        /// <summary>Waits for the greeting as <paramref name="plan"/>'s requested mode needs.</summary>
        /// <returns>The greeting, or what the silence means.</returns>
        /// <exception cref="TimeoutException">The server began a reply but did not finish it; or, asked for a clear greeting, none came at all.</exception>
        /// <exception cref="Protocol.SmtpProtocolException">What arrived is not SMTP.</exception>
        /// <exception cref="System.IO.EndOfStreamException">The server closed the connection without a greeting.</exception>
        Task<DetectedGreeting> DetectAsync(SmtpWireSession session, SmtpConversationPlan plan, CancellationToken cancellationToken);

        /// <summary>How long the TLS handshake on a silent port may take, so detection and handshake share one timeout.</summary>
        TimeSpan HandshakeBudget(SmtpConversationPlan plan);

        /// <summary>How long the port must have stayed silent before it counts as a slow greeter (for messages).</summary>
        TimeSpan GreetingWait(SmtpConversationPlan plan);

        /// <summary>Asks a port that stayed silent and did no TLS, in clear on a second connection, what it is, all within <paramref name="replyWait"/> (connect, EHLO, reply); null when still silent.</summary>
        Task<SilenceExplanation?> ExplainSilenceAsync(IPAddress address, SmtpConversationPlan plan, TimeSpan replyWait, CancellationToken cancellationToken);
    }
}
