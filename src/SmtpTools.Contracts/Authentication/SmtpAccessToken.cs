using System;
using System.Collections.Generic;
using System.Security;
using System.Threading;

namespace SmtpTools
{
    /// <summary>
    /// An OAuth 2.0 access token for SMTP AUTH (XOAUTH2, OAUTHBEARER), with what its claims say: audience, roles or
    /// scopes, tenant, the user or app it was issued to, expiry. The token itself is only ever held as a
    /// <see cref="SecureString"/> and never appears in the string form, views or messages. A token from
    /// Get-SmtpAccessToken knows how to renew itself, so Send-SecureMail can keep a long batch going past its expiry.
    /// </summary>
    public sealed class SmtpAccessToken
    {
        internal SmtpAccessToken(SecureString token, SmtpTokenProvider provider, SmtpTokenFlow flow)
        {
            Token = token ?? throw new ArgumentNullException(nameof(token));
            Provider = provider;
            Flow = flow;
        }

        /// <summary>Who issued it (from its claims).</summary>
        public SmtpTokenProvider Provider { get; }

        /// <summary>How it was obtained.</summary>
        public SmtpTokenFlow Flow { get; }

        /// <summary>The account SMTP AUTH names: the user's UPN or e-mail, or for app-only tokens the mailbox asked for; null when unknown.</summary>
        public string? UserName { get; internal set; }

        /// <summary>When it expires (the exp claim, or the lifetime the provider returned); null when unknown.</summary>
        public DateTimeOffset? ExpiresOn { get; internal set; }

        /// <summary>The aud claim: Exchange Online wants https://outlook.office365.com, Gmail https://mail.google.com/.</summary>
        public string? Audience { get; internal set; }

        /// <summary>The tid claim (Microsoft).</summary>
        public string? TenantId { get; internal set; }

        /// <summary>The application it was issued to (appid or azp claim, or the client id asked for).</summary>
        public string? ClientId { get; internal set; }

        /// <summary>Application permissions (roles claim): app-only SMTP needs SMTP.SendAsApp.</summary>
        public IReadOnlyList<string> Roles { get => _roles; internal set => _roles = SmtpList<string>.From(value); }

        private IReadOnlyList<string> _roles = SmtpList<string>.Empty;

        /// <summary>Delegated permissions (scp or scope claim): delegated SMTP needs SMTP.Send (Gmail: https://mail.google.com/).</summary>
        public IReadOnlyList<string> Scopes { get => _scopes; internal set => _scopes = SmtpList<string>.From(value); }

        private IReadOnlyList<string> _scopes = SmtpList<string>.Empty;

        /// <summary>The token. Pass the whole object to Send-SecureMail -AccessToken rather than this.</summary>
        public SecureString Token { get; internal set; }

        /// <summary>True when the token can be renewed without the user (Get-SmtpAccessToken's flows).</summary>
        public bool CanRenew => Renewal != null;

        /// <summary>Gets a fresh token of the same kind; set by the engine that acquired it.</summary>
        internal Func<bool, CancellationToken, SmtpAccessToken>? Renewal { get; set; }

        /// <summary>True when the token expires before <paramref name="moment"/>.</summary>
        public bool ExpiresBefore(DateTimeOffset moment) => ExpiresOn.HasValue && ExpiresOn.Value <= moment;

        /// <inheritdoc />
        public override string ToString()
        {
            var who = UserName ?? ClientId ?? "an unknown account";
            var expiry = ExpiresOn.HasValue ? $", expires {ExpiresOn.Value.ToLocalTime():yyyy-MM-dd HH:mm:ss}" : string.Empty;
            return $"{Provider} {Flow} token for {who}{expiry}";
        }
    }
}
