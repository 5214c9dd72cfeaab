using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Probing;
using SmtpTools.Protocol;

namespace SmtpTools.Capability
{
    /// <summary>
    /// Verifies a credential with AUTH PLAIN (RFC 4616) or, failing that, LOGIN, on a session that is already inside
    /// TLS. Every line that carries the secret is shown in the transcript as "****": base64 is an encoding, not a secret.
    /// </summary>
    internal static class SmtpSaslAuthenticator
    {
        private const string Hidden = "****";

        /// <summary>Authenticates with the best mechanism of <paramref name="offered"/> that we speak.</summary>
        /// <exception cref="InvalidOperationException">The session is not encrypted: callers must check first.</exception>
        /// <exception cref="TimeoutException">The server did not answer in time.</exception>
        public static async Task<SaslOutcome> AuthenticateAsync(SmtpWireSession session, NetworkCredential credential, IReadOnlyList<string> offered, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (!session.IsTls)
            {
                throw new InvalidOperationException("A credential is only ever sent inside TLS.");
            }

            if (offered.Contains("PLAIN"))
            {
                // RFC 4616 2: authzid NUL authcid NUL passwd, UTF-8, sent as the initial response (RFC 4954 4).
                var token = Base64("\0" + credential.UserName + "\0" + credential.Password);
                var reply = await session.CommandAsync("AUTH PLAIN " + token, timeout, cancellationToken, "AUTH PLAIN " + Hidden).ConfigureAwait(false);
                return await FinishAsync(session, "PLAIN", reply, timeout, cancellationToken).ConfigureAwait(false);
            }

            if (offered.Contains("LOGIN"))
            {
                var reply = await session.CommandAsync("AUTH LOGIN", timeout, cancellationToken).ConfigureAwait(false);
                if (reply.Code == SmtpReplyCode.ContinueAuthentication)
                {
                    reply = await session.CommandAsync(Base64(credential.UserName), timeout, cancellationToken, Hidden).ConfigureAwait(false);
                }

                if (reply.Code == SmtpReplyCode.ContinueAuthentication)
                {
                    reply = await session.CommandAsync(Base64(credential.Password), timeout, cancellationToken, Hidden).ConfigureAwait(false);
                }

                return await FinishAsync(session, "LOGIN", reply, timeout, cancellationToken).ConfigureAwait(false);
            }

            var what = offered.Count == 0 ? "no AUTH at all" : "only " + string.Join(", ", offered);
            return new SaslOutcome(SmtpAuthenticationResult.NoUsableMechanism, null, $"Nothing was sent: the server offers {what} inside TLS; PLAIN or LOGIN is needed.");
        }

        private static async Task<SaslOutcome> FinishAsync(SmtpWireSession session, string mechanism, SmtpReply reply, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (reply.Code == SmtpReplyCode.AuthenticationSucceeded)
            {
                return new SaslOutcome(SmtpAuthenticationResult.Succeeded, mechanism, reply.Text);
            }

            if (reply.Code == SmtpReplyCode.ContinueAuthentication)
            {
                // The server wants more than the mechanism defines: cancel the exchange (RFC 4954 4).
                reply = await session.CommandAsync("*", timeout, cancellationToken).ConfigureAwait(false);
            }

            return new SaslOutcome(SmtpAuthenticationResult.Failed, mechanism, reply.Text);
        }

        private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
    }
}
