using System;
using System.Collections.Generic;
using System.Linq;
using SmtpTools.Tests.Identity;
using SmtpTools.Tests.Listeners;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// What Send-SecureMail says when a token is refused: the providers' documented replies (replayed by a fake server)
    /// and the token's own claims (signed by the tests' identity provider, refused by the real Dovecot), each mapped to
    /// the cause in words. The token itself never appears.
    /// </summary>
    public sealed class TokenDiagnosisTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;

        public TokenDiagnosisTests(ModuleFixture fixture) => _fixture = fixture;

        public static TheoryData<string, string> ReplyAdvice => new TheoryData<string, string>
        {
            { nameof(ProviderAuthReplies.ExchangeTenantDisabled), "SMTP AUTH is disabled for the tenant. An Exchange admin enables it with Set-TransportConfig -SmtpClientAuthenticationDisabled $false" },
            { nameof(ProviderAuthReplies.ExchangeSecurityDefaults), "blocked by the tenant's security defaults or a Conditional Access policy" },
            { nameof(ProviderAuthReplies.ExchangeBasicDisabled), "Basic authentication (a password) is disabled: send with an OAuth token instead" },
            { nameof(ProviderAuthReplies.ExchangeBasicNotSupported), "Exchange Online (5.7.30): Basic authentication is not supported for client submission" },
            { nameof(ProviderAuthReplies.ExchangeUnsuccessful), "Exchange Online (5.7.3) refuses a token it cannot use for this mailbox" },
            { nameof(ProviderAuthReplies.GmailBadCredentials), "Gmail (535 5.7.8): the user name and token (or password) were not accepted" },
            { nameof(ProviderAuthReplies.GmailSecondFactor), "Gmail (534 5.7.9)" },
            { nameof(ProviderAuthReplies.GmailWebLogin), "Gmail (534 5.7.14)" },
        };

        private static Dictionary<string, object> Claims(params (string Name, object Value)[] changes)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var claims = new Dictionary<string, object>
            {
                ["iss"] = "https://sts.windows.net/11111111-2222-3333-4444-555555555555/",
                ["aud"] = TestIdentityProvider.ExchangeResource,
                ["tid"] = "11111111-2222-3333-4444-555555555555",
                ["appid"] = "99999999-8888-7777-6666-555555555555",
                ["sub"] = "app",
                ["idtyp"] = "app",
                ["roles"] = "SMTP.SendAsApp",
                ["iat"] = now - 60,
                ["nbf"] = now - 60,
                ["exp"] = now + 3600,
            };
            foreach (var (name, value) in changes)
            {
                if (value is null)
                {
                    claims.Remove(name);
                }
                else
                {
                    claims[name] = value;
                }
            }

            return claims;
        }

        [Theory]
        [MemberData(nameof(ReplyAdvice))]
        public void A_documented_provider_refusal_is_explained_in_words(string reply, string advice)
        {
            using var server = new FakeSmtpServer(ProviderAuthReplies.Refusing(ProviderAuthReplies.All[reply]));
            var token = TestIdentity.Provider.Sign(Claims(("smtp_mailbox", "reports@contoso.test")));
            var run = _fixture.PowerShell.Run(
                "Send-SecureMail -From reports@contoso.test -To ops@contoso.test -Subject diag -SmtpServer 127.0.0.1 -Port $args[0] -TrustedCertificate $args[1] -AccessToken $args[2] -RetryCount 0",
                server.Port, TestCertificates.Authority, token);

            var error = Assert.Single(run.Errors);
            Assert.StartsWith("SmtpTools.AuthenticationFailed,", error.FullyQualifiedErrorId);
            Assert.Contains(advice, error.ErrorDetails.Message);
            Assert.DoesNotContain(token.Split('.')[2], string.Join("\n", run.AllText));
        }

        public static TheoryData<string, string[], string> ClaimCases => new TheoryData<string, string[], string>
        {
            { "Graph audience", new[] { "aud", "https://graph.microsoft.com" }, "The token is for Microsoft Graph (aud https://graph.microsoft.com), not Exchange Online" },
            { "no SMTP.SendAsApp", new[] { "roles", "Mail.Send" }, "has no SMTP.SendAsApp role in tenant 11111111-2222-3333-4444-555555555555 (its roles: Mail.Send)" },
            { "delegated without SMTP.Send", new[] { "idtyp", "user", "roles", "", "scp", "Mail.Read", "upn", "alice@smtptools.test" }, "lacks the delegated scope SMTP.Send (its scopes: Mail.Read)" },
            { "delegated for another user", new[] { "idtyp", "user", "roles", "", "scp", "SMTP.Send", "upn", "bob@smtptools.test" }, "The token was issued to bob@smtptools.test, but AUTH named alice@smtptools.test" },
            { "expired", new[] { "exp", "-120", "iat", "-4000", "nbf", "-4000" }, "The token expired at" },
        };

        [Theory]
        [MemberData(nameof(ClaimCases))]
        public void A_token_Dovecot_refuses_is_explained_from_its_claims(string name, string[] changes, string advice)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var pairs = Enumerable.Range(0, changes.Length / 2).Select(i => (changes[2 * i], (object)(
                changes[2 * i] is "exp" or "iat" or "nbf" ? now + long.Parse(changes[2 * i + 1]) : changes[2 * i + 1]))).ToArray();
            var claims = Claims(pairs);
            claims["smtp_mailbox"] = _fixture.Server.User;
            var token = TestIdentity.Provider.Sign(claims);
            var run = _fixture.PowerShell.Run(
                "Send-SecureMail -From $args[0] -To $args[0] -Subject diag -SmtpServer localhost -Port $args[1] -TrustedCertificate $args[2] -AccessToken $args[3] -UserName $args[0] -RetryCount 0",
                _fixture.Server.User, _fixture.Server.Submission, _fixture.Server.CaFile, token);

            var error = Assert.Single(run.Errors);
            Assert.True(error.FullyQualifiedErrorId.StartsWith("SmtpTools.AuthenticationFailed,", StringComparison.Ordinal), $"{name}: {error.FullyQualifiedErrorId}");
            Assert.Contains(advice, error.ErrorDetails.Message);
            Assert.DoesNotContain(token.Split('.')[2], string.Join("\n", run.AllText));
        }
    }
}
