using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SmtpTools.Authentication
{
    /// <summary>
    /// Says in words why a server refused an access token: first what the server's reply is known to mean (Microsoft's
    /// 5.7.139, 5.7.30 and 5.7.3, Gmail's 534 and 535), then what the token's own claims show is wrong for SMTP:
    /// audience, roles or scopes, the user it names, expiry. The claims are read locally and only named, never printed.
    /// </summary>
    internal static class TokenDiagnosis
    {
        private const string ExchangeAppId = "00000002-0000-0ff1-ce00-000000000000";
        private const string GraphResource = "https://graph.microsoft.com";
        private const string GraphAppId = "00000003-0000-0000-c000-000000000000";

        /// <summary>Advice for a refusal of <paramref name="token"/> sent for <paramref name="user"/>; empty when nothing is known.</summary>
        public static string Explain(SmtpAccessToken token, string? user, string reply, DateTimeOffset now)
        {
            var findings = new List<string>();
            var known = FromReply(reply);
            if (known != null)
            {
                findings.Add(known);
            }

            findings.AddRange(FromClaims(token, user, now));
            if (findings.Count == 0 && token.Provider == SmtpTokenProvider.Unknown)
            {
                findings.Add("The token is not a JWT whose claims can be read here, so only the server's reply tells why.");
            }

            return string.Join(" ", findings);
        }

        /// <summary>What the providers' documented SMTP AUTH replies mean, and what to change.</summary>
        public static string? FromReply(string reply)
        {
            if (Has(reply, "5.7.139"))
            {
                if (Has(reply, "SmtpClientAuthentication is disabled"))
                {
                    return "Exchange Online (5.7.139): SMTP AUTH is disabled for the tenant. An Exchange admin enables it with Set-TransportConfig -SmtpClientAuthenticationDisabled $false, or for this mailbox alone with Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false (https://aka.ms/smtp_auth_disabled).";
                }

                if (Has(reply, "security defaults"))
                {
                    return "Exchange Online (5.7.139): the account is blocked by the tenant's security defaults or a Conditional Access policy; an admin must exclude it or allow the app.";
                }

                if (Has(reply, "basic authentication is disabled"))
                {
                    return "Exchange Online (5.7.139): Basic authentication (a password) is disabled: send with an OAuth token instead (Get-SmtpAccessToken, then Send-SecureMail -AccessToken).";
                }

                return "Exchange Online (5.7.139): authentication is disabled or blocked for this mailbox or tenant; check Get-CASMailbox <mailbox> | Format-List SmtpClientAuthenticationDisabled and the tenant's Conditional Access policies.";
            }

            if (Has(reply, "5.7.30"))
            {
                return "Exchange Online (5.7.30): Basic authentication is not supported for client submission: use an OAuth token (Get-SmtpAccessToken) instead of -Credential.";
            }

            if (Has(reply, "5.7.3"))
            {
                return "Exchange Online (5.7.3) refuses a token it cannot use for this mailbox: the usual causes are a token for another audience, a missing SMTP.SendAsApp role or SMTP.Send scope, an app without Exchange mailbox permission (New-ServicePrincipal, then Add-MailboxPermission -User <service principal> -AccessRights FullAccess), or a user name that is not the mailbox.";
            }

            if (Has(reply, "5.7.9") || Has(reply, "InvalidSecondFactor"))
            {
                return "Gmail (534 5.7.9): the account has 2-Step Verification and refuses its password: use OAuth (a service account with domain-wide delegation, Get-SmtpAccessToken -ServiceAccountKeyFile) (https://support.google.com/mail/?p=InvalidSecondFactor).";
            }

            if (Has(reply, "5.7.14") || Has(reply, "WebLoginRequired"))
            {
                return "Gmail (534 5.7.14): Google wants an interactive sign-in for this account before it takes SMTP AUTH; sign in once in a browser, or use OAuth (https://support.google.com/mail/?p=WebLoginRequired).";
            }

            if (Has(reply, "BadCredentials") || (Has(reply, "5.7.8") && Has(reply, "gsmtp")))
            {
                return "Gmail (535 5.7.8): the user name and token (or password) were not accepted: the token must carry the scope https://mail.google.com/ and be issued for the user AUTH names (https://support.google.com/mail/?p=BadCredentials).";
            }

            return null;
        }

        private static IEnumerable<string> FromClaims(SmtpAccessToken token, string? user, DateTimeOffset now)
        {
            if (token.ExpiresOn.HasValue && token.ExpiresOn.Value <= now)
            {
                var minutes = (now - token.ExpiresOn.Value).TotalMinutes;
                yield return $"The token expired at {token.ExpiresOn.Value.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC ({minutes.ToString("0", CultureInfo.InvariantCulture)} minutes ago): get a new one ({(token.CanRenew ? "its renewal failed" : "a supplied token is never renewed; Get-SmtpAccessToken output renews itself")}).";
            }

            if (token.Provider == SmtpTokenProvider.Microsoft365)
            {
                foreach (var finding in Microsoft(token, user))
                {
                    yield return finding;
                }
            }
            else if (token.Provider == SmtpTokenProvider.Google)
            {
                if (!token.Scopes.Contains(SmtpTokenRequest.GmailScope, StringComparer.OrdinalIgnoreCase))
                {
                    yield return $"The token's scopes ({List(token.Scopes)}) lack {SmtpTokenRequest.GmailScope}, the only scope Gmail accepts for SMTP: authorize it for the service account's client ID in the Admin console's domain-wide delegation.";
                }

                if (user != null && token.UserName != null && !Same(user, token.UserName))
                {
                    yield return $"The token was issued for {token.UserName}, but AUTH named {user}: -Subject must be the sending user.";
                }
            }
        }

        private static IEnumerable<string> Microsoft(SmtpAccessToken token, string? user)
        {
            var audience = token.Audience?.TrimEnd('/');
            if (audience != null && !Same(audience, SmtpTokenRequest.ExchangeResource) && !Same(audience, ExchangeAppId))
            {
                var graph = Same(audience, GraphResource) || Same(audience, GraphAppId);
                yield return $"The token is for {(graph ? "Microsoft Graph" : "another resource")} (aud {audience}), not Exchange Online: ask for the scope {SmtpTokenRequest.ExchangeResource}/.default (app-only) or {SmtpTokenRequest.ExchangeResource}/SMTP.Send (delegated).";
            }

            var appOnly = token.Flow == SmtpTokenFlow.ClientCertificate || token.Flow == SmtpTokenFlow.ClientSecret || (token.Scopes.Count == 0 && token.Roles.Count > 0);
            if (appOnly)
            {
                if (!token.Roles.Contains("SMTP.SendAsApp", StringComparer.OrdinalIgnoreCase))
                {
                    yield return $"The app {token.ClientId} has no SMTP.SendAsApp role in tenant {token.TenantId} (its roles: {List(token.Roles)}): in Entra ID > App registrations > the app > API permissions, add Office 365 Exchange Online > Application permissions > SMTP.SendAsApp and grant admin consent.";
                }
                else
                {
                    yield return $"If the audience and role are right, Exchange decides by mailbox permission: the app {token.ClientId} needs an Exchange service principal (New-ServicePrincipal -AppId {token.ClientId} -ObjectId <enterprise app object id>) and Add-MailboxPermission -Identity {user ?? "<mailbox>"} -User <that service principal> -AccessRights FullAccess.";
                }
            }
            else
            {
                if (!token.Scopes.Contains("SMTP.Send", StringComparer.OrdinalIgnoreCase))
                {
                    yield return $"The token of {token.UserName ?? "the user"} lacks the delegated scope SMTP.Send (its scopes: {List(token.Scopes)}): add Office 365 Exchange Online > Delegated permissions > SMTP.Send to app {token.ClientId} and consent.";
                }

                if (user != null && token.UserName != null && !Same(user, token.UserName))
                {
                    yield return $"The token was issued to {token.UserName}, but AUTH named {user}: sign in as the mailbox's user, or give -UserName {token.UserName} (sending as another mailbox also needs Send As permission).";
                }
            }
        }

        private static string List(IReadOnlyList<string> items) => items.Count == 0 ? "none" : string.Join(" ", items);

        private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

        private static bool Has(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
