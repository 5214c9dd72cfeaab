using System;
using System.Net;
using System.Threading;

namespace SmtpTools.Authentication
{
    /// <summary>
    /// Where the send path gets its access token at AUTH time: the current one while it has at least
    /// <see cref="RenewalMargin"/> left, otherwise a renewed one (MSAL's or Google's library asked again). A batch that
    /// outlives the token keeps going: the session reconnects when the token it authenticated with is due, and
    /// authenticates with the renewed one. A supplied token that cannot renew is used as it is.
    /// </summary>
    public sealed class SmtpTokenSource
    {
        /// <summary>Renewed when less than this is left: MSAL's own refresh margin, and longer than any SMTP session step.</summary>
        public static readonly TimeSpan RenewalMargin = TimeSpan.FromMinutes(5);

        private readonly object _gate = new object();
        private SmtpAccessToken _current;

        /// <summary>A source that starts with <paramref name="token"/>.</summary>
        public SmtpTokenSource(SmtpAccessToken token) => _current = token ?? throw new ArgumentNullException(nameof(token));

        /// <summary>The token last handed out.</summary>
        public SmtpAccessToken Current
        {
            get
            {
                lock (_gate)
                {
                    return _current;
                }
            }
        }

        /// <summary>How many times the token was renewed.</summary>
        public int Renewals { get; private set; }

        /// <summary>Receives one line per renewal.</summary>
        public Action<string>? Activity { get; set; }

        /// <summary>True when <paramref name="token"/> (the one a connection authenticated with) is due for renewal and can be renewed.</summary>
        public bool IsDue(SmtpAccessToken? token) =>
            token != null && token.CanRenew && token.ExpiresBefore(DateTimeOffset.UtcNow + RenewalMargin);

        /// <summary>The token to authenticate with now: renewed first when it is due.</summary>
        /// <exception cref="SmtpConnectionException">TokenRequestFailed: the renewal was refused (secret revoked, sign-in expired).</exception>
        public SmtpAccessToken ForAuthentication(CancellationToken cancellationToken)
        {
            var token = Current;
            return IsDue(token) ? Renew(token, cancellationToken) : token;
        }

        /// <summary>A fresh token after the server refused <paramref name="refused"/>; null when it cannot be renewed.</summary>
        /// <exception cref="SmtpConnectionException">TokenRequestFailed: the renewal was refused.</exception>
        public SmtpAccessToken? RenewAfterRefusal(SmtpAccessToken refused, CancellationToken cancellationToken) =>
            refused.CanRenew ? Renew(refused, cancellationToken) : null;

        private SmtpAccessToken Renew(SmtpAccessToken stale, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                if (!ReferenceEquals(stale, _current))
                {
                    return _current; // renewed meanwhile
                }

                var fresh = stale.Renewal!(true, cancellationToken);
                fresh.UserName = fresh.UserName ?? stale.UserName;
                _current = fresh;
                Renewals++;
                Activity?.Invoke($"Renewed the access token for {fresh.UserName ?? fresh.ClientId}: the old one expired {stale.ExpiresOn?.ToLocalTime():HH:mm:ss}, the new one {fresh.ExpiresOn?.ToLocalTime():HH:mm:ss}.");
                return fresh;
            }
        }

        /// <summary>The token's text, for the SASL mechanism and the secret scrubber only.</summary>
        internal static string Reveal(SmtpAccessToken token) => new NetworkCredential(string.Empty, token.Token).Password;
    }
}
