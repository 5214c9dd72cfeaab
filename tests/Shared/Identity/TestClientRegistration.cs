using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools.Tests.Identity
{
    /// <summary>
    /// One application as the tests' identity provider knows it: what a real tenant's app registration, its Exchange
    /// mailbox permission or a Google service account would decide, set per test. Mutable, so a test can revoke a
    /// secret or shorten the token lifetime while a batch runs.
    /// </summary>
    public sealed class TestClientRegistration
    {
        /// <summary>The application (client) id, or a Google service account's client_email.</summary>
        public string ClientId { get; set; } = Guid.NewGuid().ToString();

        /// <summary>The directory (tenant) id the app lives in.</summary>
        public string TenantId { get; init; } = Guid.NewGuid().ToString();

        /// <summary>A client secret the app may authenticate with; null for none.</summary>
        public string? ClientSecret { get; set; }

        /// <summary>True once the secret was deleted in the portal: it then fails like AADSTS7000215.</summary>
        public bool SecretRevoked { get; set; }

        /// <summary>The certificate (public part) uploaded to the app registration for client assertions.</summary>
        public X509Certificate2? Certificate { get; set; }

        /// <summary>A Google service account's public key (the private half is in its key file).</summary>
        public RSA? ServiceAccountKey { get; set; }

        /// <summary>Application permissions granted with admin consent, space-separated ("SMTP.SendAsApp").</summary>
        public string Roles { get; set; } = "SMTP.SendAsApp";

        /// <summary>The mailbox the app was granted (Add-MailboxPermission); written into app tokens as smtp_mailbox.</summary>
        public string? GrantedMailbox { get; set; }

        /// <summary>The user who signs in on the device-code page (the token's upn).</summary>
        public string? DeviceUser { get; set; }

        /// <summary>Delegated scopes the user consented to; the token's scp is those requested and consented.</summary>
        public string ConsentedScopes { get; set; } = "SMTP.Send";

        /// <summary>Makes this registration a Google service account: its id becomes a client_email.</summary>
        public void ServiceAccount() => ClientId = $"smtp-{Guid.NewGuid():N}"[..20] + "@smtptools-test.iam.gserviceaccount.com";

        /// <summary>How long issued access tokens live.</summary>
        public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

        /// <summary>Polls the device-code flow answers authorization_pending before the user "has signed in".</summary>
        public int PendingPolls { get; set; } = 1;
    }
}
