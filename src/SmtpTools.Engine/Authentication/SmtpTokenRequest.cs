using System;
using System.Security;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools.Authentication
{
    /// <summary>What Get-SmtpAccessToken asks a provider for: the flow, the app and its credential, where to ask.</summary>
    public sealed class SmtpTokenRequest
    {
        /// <summary>Microsoft's public cloud; sovereign clouds have their own (https://login.microsoftonline.us).</summary>
        public static readonly Uri DefaultAuthority = new Uri("https://login.microsoftonline.com/");

        /// <summary>The resource (audience) of Exchange Online; the scopes below are built on it.</summary>
        public const string ExchangeResource = "https://outlook.office365.com";

        /// <summary>Gmail's SMTP scope, the only one that lets XOAUTH2 send.</summary>
        public const string GmailScope = "https://mail.google.com/";

        /// <summary>The flow to use.</summary>
        public SmtpTokenFlow Flow { get; set; }

        /// <summary>The Microsoft Entra directory (tenant) id or domain.</summary>
        public string? TenantId { get; set; }

        /// <summary>The application (client) id of the app registration.</summary>
        public string? ClientId { get; set; }

        /// <summary>The app's certificate with its private key (client assertion).</summary>
        public X509Certificate2? Certificate { get; set; }

        /// <summary>The app's client secret.</summary>
        public SecureString? ClientSecret { get; set; }

        /// <summary>The Entra instance the tenant lives in: <see cref="DefaultAuthority"/> unless a sovereign cloud (or a test's provider).</summary>
        public Uri Authority { get; set; } = DefaultAuthority;

        /// <summary>The resource whose token is asked for; Exchange Online unless changed (a wrong one is what the diagnosis explains).</summary>
        public string Resource { get; set; } = ExchangeResource;

        /// <summary>A Google service account's JSON key file.</summary>
        public string? ServiceAccountKeyFile { get; set; }

        /// <summary>The Workspace user a service account acts for (domain-wide delegation), or the account a device-code sign-in should reuse.</summary>
        public string? Subject { get; set; }

        /// <summary>How the identity provider's TLS certificate is judged (a private CA can be trusted).</summary>
        public CertificatePolicy CertificatePolicy { get; set; } = CertificatePolicy.Default;

        /// <summary>The bound on each request to the identity provider.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>Receives the device-code flow's instruction (URL and code) to show to the user.</summary>
        public Action<string>? DeviceCodePrompt { get; set; }

        /// <summary>Receives one line per notable step (cache hit, token requested, renewed).</summary>
        public Action<string>? Activity { get; set; }

        /// <summary>The authority URL of the tenant: instance plus tenant.</summary>
        public Uri TenantAuthority => new Uri(new Uri(Authority.ToString().TrimEnd('/') + "/"), Uri.EscapeDataString(TenantId ?? "organizations"));

        /// <summary>True unless the authority is Microsoft's public cloud.</summary>
        public bool IsCustomAuthority => !Uri.Compare(Authority, DefaultAuthority, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase).Equals(0);
    }
}
