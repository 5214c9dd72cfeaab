using System;
using System.Collections.Generic;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>
    /// What Exchange Online and Gmail answer to a refused SMTP AUTH, as they word it, and a fake server that replays
    /// one of those answers to any AUTH: the providers' texts on loopback, for the diagnosis table.
    /// </summary>
    public static class ProviderAuthReplies
    {
        public const string ExchangeTenantDisabled = "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.";
        public const string ExchangeSecurityDefaults = "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.";
        public const string ExchangeBasicDisabled = "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.";
        public const string ExchangeBasicNotSupported = "535 5.7.30 Basic authentication is not supported for Client Submission.";
        public const string ExchangeUnsuccessful = "535 5.7.3 Authentication unsuccessful [DB8PR04CA0012.eurprd04.prod.outlook.com]";
        public const string GmailBadCredentials = "535 5.7.8 Username and Password not accepted. For more information, go to https://support.google.com/mail/?p=BadCredentials a1-20020a170906 - gsmtp";
        public const string GmailSecondFactor = "534 5.7.9 Application-specific password required. For more information, go to https://support.google.com/mail/?p=InvalidSecondFactor a1-20020a170906 - gsmtp";
        public const string GmailWebLogin = "534 5.7.14 Please log in with your web browser and then try again. For more information, go to https://support.google.com/mail/?p=WebLoginRequired a1-20020a170906 - gsmtp";

        /// <summary>Every reply above by name.</summary>
        public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>
        {
            [nameof(ExchangeTenantDisabled)] = ExchangeTenantDisabled,
            [nameof(ExchangeSecurityDefaults)] = ExchangeSecurityDefaults,
            [nameof(ExchangeBasicDisabled)] = ExchangeBasicDisabled,
            [nameof(ExchangeBasicNotSupported)] = ExchangeBasicNotSupported,
            [nameof(ExchangeUnsuccessful)] = ExchangeUnsuccessful,
            [nameof(GmailBadCredentials)] = GmailBadCredentials,
            [nameof(GmailSecondFactor)] = GmailSecondFactor,
            [nameof(GmailWebLogin)] = GmailWebLogin,
        };

        /// <summary>A TLS server offering <paramref name="mechanisms"/> that answers every AUTH with <paramref name="reply"/>.</summary>
        public static FakeSmtpScript Refusing(string reply, string mechanisms = "XOAUTH2 OAUTHBEARER") => new FakeSmtpScript
        {
            Certificate = TestCertificates.Good,
            AuthMechanisms = mechanisms,
            Command = (_, line) => line.StartsWith("AUTH ", StringComparison.OrdinalIgnoreCase) || line.Length > 20 ? FakeReply.Say(reply) : null,
        };
    }
}
