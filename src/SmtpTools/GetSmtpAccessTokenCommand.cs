using System;
using System.IO;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Authentication;

namespace SmtpTools.Commands
{
    /// <summary>
    /// <para type="synopsis">Gets an OAuth 2.0 access token for SMTP AUTH from Microsoft 365 or Google, for Send-SecureMail -AccessToken.</para>
    /// <para type="description">
    /// Asks the provider through its own library (MSAL.NET for Microsoft Entra ID, Google.Apis.Auth for Google) for a
    /// token Exchange Online or Gmail accepts for SMTP: app-only with a certificate (by thumbprint from the certificate
    /// store, or a PFX file) or a client secret, the scheduled-task case; delegated with the device-code flow, for an
    /// interactive session; or a Google service account with domain-wide delegation acting for -Subject. The token
    /// object renews itself: Send-SecureMail asks for a fresh one when it is about to expire, so a long batch goes on.
    /// The token is held as a SecureString and never shown.
    /// </para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SmtpAccessToken", DefaultParameterSetName = ThumbprintSet, HelpUri = HelpLinks.Docs + "Get-SmtpAccessToken.md")]
    [OutputType(typeof(SmtpAccessToken))]
    public sealed class GetSmtpAccessTokenCommand : PSCmdlet, IDisposable
    {
        private const string ThumbprintSet = "CertificateThumbprint";
        private const string CertificateSet = "Certificate";
        private const string CertificateFileSet = "CertificatePath";
        private const string SecretSet = "ClientSecret";
        private const string DeviceCodeSet = "DeviceCode";
        private const string ServiceAccountSet = "ServiceAccount";

        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        /// <summary>The Microsoft Entra directory (tenant) ID, or one of its verified domains.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateFileSet)]
        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        [ValidatePattern(@"^[A-Za-z0-9][A-Za-z0-9.\-]{0,252}\z")]
        public string TenantId { get; set; } = string.Empty;

        /// <summary>The application (client) ID of the app registration.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        [Parameter(Mandatory = true, ParameterSetName = CertificateFileSet)]
        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        [ValidatePattern(@"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\z")]
        public string ClientId { get; set; } = string.Empty;

        /// <summary>The thumbprint (SHA-1) of the app's certificate in the certificate store; its private key must be there too.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ThumbprintSet)]
        [ValidatePattern(@"^[0-9A-Fa-f]{40}\z")]
        public string CertificateThumbprint { get; set; } = string.Empty;

        /// <summary>Where -CertificateThumbprint is looked up: the user's store (CurrentUser\My, the default) or the machine's (LocalMachine\My).</summary>
        [Parameter(ParameterSetName = ThumbprintSet)]
        public StoreLocation CertificateStoreLocation { get; set; } = StoreLocation.CurrentUser;

        /// <summary>The app's certificate as an object with its private key (Get-PfxCertificate, Get-Item Cert:\...).</summary>
        [Parameter(Mandatory = true, ParameterSetName = CertificateSet)]
        [ValidateNotNull]
        public X509Certificate2? Certificate { get; set; }

        /// <summary>A PFX (PKCS#12) file holding the app's certificate and private key.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CertificateFileSet)]
        [ValidateNotNullOrEmpty]
        public string CertificatePath { get; set; } = string.Empty;

        /// <summary>The password of the -CertificatePath file, if it has one.</summary>
        [Parameter(ParameterSetName = CertificateFileSet)]
        [SecureStringTransformation]
        public SecureString? CertificatePassword { get; set; }

        /// <summary>A client secret's Value (not its ID) from the app registration. Prefer a certificate for unattended use.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SecretSet)]
        [SecureStringTransformation]
        [ValidateNotNull]
        public SecureString? ClientSecret { get; set; }

        /// <summary>Signs a user in with the device-code flow: open the URL shown on any device and enter the code. Ctrl+C cancels.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DeviceCodeSet)]
        public SwitchParameter DeviceCode { get; set; }

        /// <summary>With -DeviceCode: the account to reuse if it already signed in during this session.</summary>
        [Parameter(ParameterSetName = DeviceCodeSet)]
        [ValidateNotNullOrEmpty]
        public string? UserName { get; set; }

        /// <summary>A Google service account's JSON key file (domain-wide delegation enabled for https://mail.google.com/).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ServiceAccountSet)]
        [ValidateNotNullOrEmpty]
        public string ServiceAccountKeyFile { get; set; } = string.Empty;

        /// <summary>The mailbox to send as: for a service account the Workspace user it acts for; for app-only Microsoft tokens the mailbox SMTP AUTH names.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ServiceAccountSet)]
        [Parameter(ParameterSetName = ThumbprintSet)]
        [Parameter(ParameterSetName = CertificateSet)]
        [Parameter(ParameterSetName = CertificateFileSet)]
        [Parameter(ParameterSetName = SecretSet)]
        [ValidatePattern(@"^[^\s@]{1,64}@[^\s@]{1,253}\z")]
        public string? Subject { get; set; }

        /// <summary>The Entra ID instance: https://login.microsoftonline.com (default); a sovereign cloud's (https://login.microsoftonline.us), or a test's identity provider.</summary>
        [Parameter(ParameterSetName = ThumbprintSet)]
        [Parameter(ParameterSetName = CertificateSet)]
        [Parameter(ParameterSetName = CertificateFileSet)]
        [Parameter(ParameterSetName = SecretSet)]
        [Parameter(ParameterSetName = DeviceCodeSet)]
        [ValidateNotNull]
        public Uri Authority { get; set; } = SmtpTokenRequest.DefaultAuthority;

        /// <summary>The resource the token is for: Exchange Online (https://outlook.office365.com) by default; https://outlook.office365.us for GCC High.</summary>
        [Parameter(ParameterSetName = ThumbprintSet)]
        [Parameter(ParameterSetName = CertificateSet)]
        [Parameter(ParameterSetName = CertificateFileSet)]
        [Parameter(ParameterSetName = SecretSet)]
        [Parameter(ParameterSetName = DeviceCodeSet)]
        [ValidatePattern(@"^https://[A-Za-z0-9.\-]+(:[0-9]{1,5})?/?\z")]
        public string Resource { get; set; } = SmtpTokenRequest.ExchangeResource;

        /// <summary>Extra CA certificates (objects or PEM/DER file paths) to trust for the identity provider's TLS certificate (a TLS-inspecting proxy's CA).</summary>
        [Parameter]
        [CertificateFileTransformation]
        [ValidateNotNull]
        public X509Certificate2[] TrustedCertificate { get; set; } = Array.Empty<X509Certificate2>();

        /// <summary>Seconds to wait for each request to the identity provider (the device-code sign-in itself waits as long as the code is valid).</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 30;

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var request = BuildRequest();
            if (request == null)
            {
                return;
            }

            using (var pump = new PipelinePump())
            {
                request.DeviceCodePrompt = message => pump.Post(() => WriteWarning(message));
                request.Activity = line => pump.Post(() => WriteVerbose(line));
                var work = Task.Run(() => SmtpTokenAcquirer.AcquireAsync(request, _stopping.Token));
                try
                {
                    pump.Run(work);
                }
                catch (OperationCanceledException)
                {
                    return; // Ctrl+C
                }
                catch (SmtpConnectionException e)
                {
                    WriteError(SmtpErrors.FromException(e, request.ClientId ?? request.ServiceAccountKeyFile));
                    return;
                }

                var token = work.Result;
                token.UserName = token.UserName ?? Subject;
                WriteObject(token);
            }
        }

        /// <inheritdoc />
        protected override void StopProcessing() => _stopping.Cancel();

        /// <inheritdoc />
        public void Dispose() => _stopping.Dispose();

        private SmtpTokenRequest? BuildRequest()
        {
            var request = new SmtpTokenRequest
            {
                TenantId = TenantId,
                ClientId = ClientId,
                Authority = Authority,
                Resource = Resource.TrimEnd('/'),
                Subject = ParameterSetName == DeviceCodeSet ? UserName : Subject,
                CertificatePolicy = new CertificatePolicy(TrustedCertificate),
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
            };
            if (!Authority.IsAbsoluteUri || Authority.Scheme != Uri.UriSchemeHttps)
            {
                WriteError(SmtpErrors.InvalidArgument("SmtpTools.InvalidAuthority", $"-Authority must be an https URL such as {SmtpTokenRequest.DefaultAuthority}; '{Authority}' is not.", Authority));
                return null;
            }

            switch (ParameterSetName)
            {
                case ThumbprintSet:
                    request.Flow = SmtpTokenFlow.ClientCertificate;
                    request.Certificate = FromStore();
                    return request.Certificate == null ? null : request;
                case CertificateSet:
                    request.Flow = SmtpTokenFlow.ClientCertificate;
                    request.Certificate = WithPrivateKey(Certificate!, "-Certificate");
                    return request.Certificate == null ? null : request;
                case CertificateFileSet:
                    request.Flow = SmtpTokenFlow.ClientCertificate;
                    request.Certificate = FromFile();
                    return request.Certificate == null ? null : request;
                case SecretSet:
                    request.Flow = SmtpTokenFlow.ClientSecret;
                    request.ClientSecret = ClientSecret;
                    return request;
                case DeviceCodeSet:
                    request.Flow = SmtpTokenFlow.DeviceCode;
                    return request;
                default:
                    request.Flow = SmtpTokenFlow.ServiceAccount;
                    request.TenantId = request.ClientId = null;
                    request.ServiceAccountKeyFile = SessionState.Path.GetUnresolvedProviderPathFromPSPath(ServiceAccountKeyFile);
                    return request;
            }
        }

        private X509Certificate2? FromStore()
        {
            using (var store = new X509Store(StoreName.My, CertificateStoreLocation))
            {
                try
                {
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                }
                catch (CryptographicException)
                {
                    // No such store yet (nothing was ever imported for this user): the same as not found.
                }

                var found = store.Certificates.Find(X509FindType.FindByThumbprint, CertificateThumbprint, validOnly: false);
                if (found.Count == 0)
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException(), "SmtpTools.CertificateNotFound", ErrorCategory.ObjectNotFound, CertificateThumbprint)
                    {
                        ErrorDetails = new ErrorDetails($"No certificate with the thumbprint {CertificateThumbprint} is in {CertificateStoreLocation}\\My. Import the app's certificate with its private key there (Import-PfxCertificate), or give -CertificatePath."),
                    });
                    return null;
                }

                return WithPrivateKey(found[0], $"The certificate {CertificateThumbprint} in {CertificateStoreLocation}\\My");
            }
        }

        private X509Certificate2? FromFile()
        {
            var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(CertificatePath);
            try
            {
                var password = CertificatePassword == null ? null : new System.Net.NetworkCredential(string.Empty, CertificatePassword).Password;
                return WithPrivateKey(new X509Certificate2(path, password, X509KeyStorageFlags.DefaultKeySet), $"The file '{path}'");
            }
            catch (Exception e) when (e is CryptographicException || e is IOException || e is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "SmtpTools.CertificateUnreadable", ErrorCategory.ReadError, path)
                {
                    ErrorDetails = new ErrorDetails($"The certificate file '{path}' cannot be read as a PFX (PKCS#12) file: {e.Message} Check the path and -CertificatePassword."),
                });
                return null;
            }
        }

        private X509Certificate2? WithPrivateKey(X509Certificate2 certificate, string what)
        {
            if (certificate.HasPrivateKey)
            {
                return certificate;
            }

            WriteError(new ErrorRecord(new ArgumentException("no private key"), "SmtpTools.CertificateWithoutPrivateKey", ErrorCategory.InvalidArgument, certificate.Thumbprint)
            {
                ErrorDetails = new ErrorDetails($"{what} has no private key, so it cannot sign the client assertion: import the PFX (with its key), not the .cer that was uploaded to the app registration."),
            });
            return null;
        }
    }
}
