using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.Extensions.Msal;

namespace SmtpTools.Authentication
{
    /// <summary>
    /// Gets SMTP access tokens from the providers through their own libraries: MSAL.NET for Microsoft Entra ID
    /// (client credentials with a certificate or a secret, the device-code flow), Google.Apis.Auth for a service
    /// account with domain-wide delegation. Each token it returns carries its renewal: the same application object,
    /// with the library's token cache, asked again.
    /// </summary>
    public static class SmtpTokenAcquirer
    {
        // One public client per authority and app for the life of the process (the PowerShell session): its cache keeps
        // the signed-in account and refresh token, so a second Get-SmtpAccessToken -DeviceCode does not prompt again.
        private static readonly ConcurrentDictionary<string, IPublicClientApplication> PublicClients = new ConcurrentDictionary<string, IPublicClientApplication>(StringComparer.OrdinalIgnoreCase);

        /// <summary>Asks the provider for a token.</summary>
        /// <exception cref="SmtpConnectionException">TokenRequestFailed: the provider refused, with its reason and what to do; TimedOut; InvalidMessage for a bad key file.</exception>
        /// <exception cref="OperationCanceledException">Cancelled (Ctrl+C while waiting for the device-code sign-in).</exception>
        public static Task<SmtpAccessToken> AcquireAsync(SmtpTokenRequest request, CancellationToken cancellationToken)
        {
            if (request == null)
            {
                throw new ArgumentNullException(nameof(request));
            }

            switch (request.Flow)
            {
                case SmtpTokenFlow.ClientCertificate:
                case SmtpTokenFlow.ClientSecret:
                    return AppOnlyAsync(request, cancellationToken);
                case SmtpTokenFlow.DeviceCode:
                    return DeviceCodeAsync(request, cancellationToken);
                case SmtpTokenFlow.ServiceAccount:
                    return ServiceAccountAsync(request, cancellationToken);
                default:
                    throw new ArgumentException($"The flow {request.Flow} is not one a token can be requested with.", nameof(request));
            }
        }

        /// <summary>A token given as text: never renewed, but its claims still explain a refusal.</summary>
        public static SmtpAccessToken FromSupplied(SecureString token)
        {
            var claims = AccessTokenClaims.Read(new NetworkCredential(string.Empty, token).Password);
            return Describe(new SmtpAccessToken(token, claims?.Provider ?? SmtpTokenProvider.Unknown, SmtpTokenFlow.Supplied), claims, null, null);
        }

        private static async Task<SmtpAccessToken> AppOnlyAsync(SmtpTokenRequest request, CancellationToken cancellationToken)
        {
            var builder = ConfidentialClientApplicationBuilder.Create(request.ClientId)
                .WithAuthority(request.TenantAuthority.ToString(), validateAuthority: !request.IsCustomAuthority)
                .WithHttpClientFactory(new TrustedHttpClientFactory(request.CertificatePolicy, request.Timeout));
            if (request.IsCustomAuthority)
            {
                // Instance discovery asks login.microsoftonline.com about the authority: not for another instance.
                builder = builder.WithInstanceDiscovery(false);
            }

            builder = request.Flow == SmtpTokenFlow.ClientCertificate
                ? builder.WithCertificate(request.Certificate ?? throw new ArgumentException("A certificate is needed.", nameof(request)), sendX5C: false)
                : builder.WithClientSecret(new NetworkCredential(string.Empty, request.ClientSecret ?? throw new ArgumentException("A client secret is needed.", nameof(request))).Password);
            var app = builder.Build();
            var scopes = new[] { request.Resource.TrimEnd('/') + "/.default" };

            async Task<SmtpAccessToken> Acquire(bool force, CancellationToken token)
            {
                var result = await Msal(request, () => app.AcquireTokenForClient(scopes).WithForceRefresh(force).ExecuteAsync(token)).ConfigureAwait(false);
                request.Activity?.Invoke($"Token for {request.Resource} from {result.AuthenticationResultMetadata?.TokenSource.ToString() ?? "the identity provider"}, valid until {result.ExpiresOn.ToLocalTime():HH:mm:ss}.");
                return FromMsal(result, request, Acquire);
            }

            return await Acquire(false, cancellationToken).ConfigureAwait(false);
        }

        private static async Task<SmtpAccessToken> DeviceCodeAsync(SmtpTokenRequest request, CancellationToken cancellationToken)
        {
            var key = request.TenantAuthority + "|" + request.ClientId;
            var app = PublicClients.GetOrAdd(key, _ =>
            {
                var builder = PublicClientApplicationBuilder.Create(request.ClientId)
                    .WithAuthority(request.TenantAuthority.ToString(), validateAuthority: !request.IsCustomAuthority)
                    .WithHttpClientFactory(new TrustedHttpClientFactory(request.CertificatePolicy, request.Timeout));
                var built = (request.IsCustomAuthority ? builder.WithInstanceDiscovery(false) : builder).Build();
                PersistCache(built, request);
                return built;
            });
            var scopes = new[] { request.Resource.TrimEnd('/') + "/SMTP.Send" };

            async Task<SmtpAccessToken> Silent(bool force, CancellationToken token)
            {
                var accounts = await app.GetAccountsAsync().ConfigureAwait(false);
                var account = accounts.FirstOrDefault(a => request.Subject == null || string.Equals(a.Username, request.Subject, StringComparison.OrdinalIgnoreCase));
                if (account == null)
                {
                    throw new MsalUiRequiredException("no_account", "No account of this session is signed in.");
                }

                var result = await Msal(request, () => app.AcquireTokenSilent(scopes, account).WithForceRefresh(force).ExecuteAsync(token)).ConfigureAwait(false);
                request.Activity?.Invoke($"Token for {account.Username} from {result.AuthenticationResultMetadata?.TokenSource.ToString() ?? "the cache"}, valid until {result.ExpiresOn.ToLocalTime():HH:mm:ss}.");
                return FromMsal(result, request, Silent);
            }

            try
            {
                return await Silent(false, cancellationToken).ConfigureAwait(false);
            }
            catch (MsalUiRequiredException)
            {
                // Nobody signed in yet in this session (or the refresh token is gone): the user signs in on another device.
            }

            var signedIn = await Msal(request, () => app.AcquireTokenWithDeviceCode(scopes, code =>
            {
                request.DeviceCodePrompt?.Invoke(code.Message);
                return Task.CompletedTask;
            }).ExecuteAsync(cancellationToken)).ConfigureAwait(false);
            request.Activity?.Invoke($"Signed in as {signedIn.Account?.Username}; token valid until {signedIn.ExpiresOn.ToLocalTime():HH:mm:ss}.");
            return FromMsal(signedIn, request, Silent);
        }

        // The signed-in account and its refresh token outlive the session only in a protected store: DPAPI for the user
        // on Windows, the Keychain on macOS, the libsecret keyring on Linux. Where there is none (a Linux server without
        // a desktop session, a container), the cache stays in memory, and says so: never an unprotected file.
        private static void PersistCache(IPublicClientApplication app, SmtpTokenRequest request)
        {
            try
            {
                var directory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "SmtpTools");
                var storage = new StorageCreationPropertiesBuilder("msal-token-cache.bin", directory)
                    .WithMacKeyChain("SmtpTools", "SmtpTools.TokenCache")
                    .WithLinuxKeyring(
                        "SmtpTools.TokenCache",
                        MsalCacheHelper.LinuxKeyRingDefaultCollection,
                        "SmtpTools OAuth token cache",
                        new System.Collections.Generic.KeyValuePair<string, string>("Product", "SmtpTools"),
                        new System.Collections.Generic.KeyValuePair<string, string>("Version", "1"))
                    .Build();
                var helper = MsalCacheHelper.CreateAsync(storage).GetAwaiter().GetResult();
                helper.VerifyPersistence();
                helper.RegisterCache(app.UserTokenCache);
                request.Activity?.Invoke("Signed-in accounts are kept in this platform's protected store, so the next session need not sign in again.");
            }
            catch (Exception e) when (e is MsalCachePersistenceException || e is IOException || e is UnauthorizedAccessException || e is DllNotFoundException || e is TypeInitializationException || e is PlatformNotSupportedException)
            {
                request.Activity?.Invoke($"No protected token store here ({Sanitize(e.GetBaseException().Message)}): the sign-in is kept for this PowerShell session only.");
            }
        }

        private static async Task<SmtpAccessToken> ServiceAccountAsync(SmtpTokenRequest request, CancellationToken cancellationToken)
        {
            var key = ServiceAccountKey.Read(request.ServiceAccountKeyFile ?? throw new ArgumentException("A key file is needed.", nameof(request)));
            var initializer = new ServiceAccountCredential.Initializer(key.ClientEmail, key.TokenUri)
            {
                User = request.Subject,
                Scopes = new[] { SmtpTokenRequest.GmailScope },
                HttpClientFactory = new TrustedHttpClientFactory(request.CertificatePolicy, request.Timeout),
            }.FromPrivateKey(key.PrivateKey);
            var credential = new ServiceAccountCredential(initializer);

            async Task<SmtpAccessToken> Acquire(bool force, CancellationToken token)
            {
                try
                {
                    using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(token))
                    {
                        timeout.CancelAfter(request.Timeout);
                        await credential.RequestAccessTokenAsync(timeout.Token).ConfigureAwait(false);
                    }
                }
                catch (TokenResponseException e)
                {
                    throw Refused(request, $"{e.Error?.Error}: {e.Error?.ErrorDescription}", e, GoogleAdvice(e.Error?.Error, request, key.ClientEmail));
                }
                catch (HttpRequestException e)
                {
                    throw Unreachable(new Uri(key.TokenUri), e);
                }
                catch (OperationCanceledException e) when (!token.IsCancellationRequested)
                {
                    throw new SmtpConnectionException(SmtpFailureKind.TimedOut, $"Google's token endpoint {new Uri(key.TokenUri).Host} did not answer within {request.Timeout.TotalSeconds:0} s.", e);
                }

                var issued = credential.Token;
                var secret = Secure(issued.AccessToken);
                var claims = AccessTokenClaims.Read(issued.AccessToken);
                var expires = issued.ExpiresInSeconds.HasValue ? new DateTimeOffset(issued.IssuedUtc, TimeSpan.Zero).AddSeconds(issued.ExpiresInSeconds.Value) : (DateTimeOffset?)null;
                var result = Describe(new SmtpAccessToken(secret, SmtpTokenProvider.Google, SmtpTokenFlow.ServiceAccount), claims, request.Subject, key.ClientEmail);
                result.ExpiresOn = claims?.ExpiresOn ?? expires;
                result.Renewal = (again, t) => Acquire(again, t).GetAwaiter().GetResult();
                request.Activity?.Invoke($"Token for {request.Subject} through the service account {key.ClientEmail}, valid until {result.ExpiresOn?.ToLocalTime():HH:mm:ss}.");
                return result;
            }

            return await Acquire(true, cancellationToken).ConfigureAwait(false);
        }

        private static SmtpAccessToken FromMsal(AuthenticationResult result, SmtpTokenRequest request, Func<bool, CancellationToken, Task<SmtpAccessToken>> renew)
        {
            var claims = AccessTokenClaims.Read(result.AccessToken);
            var user = request.Flow == SmtpTokenFlow.DeviceCode ? result.Account?.Username ?? claims?.Upn : request.Subject;
            var token = Describe(new SmtpAccessToken(Secure(result.AccessToken), SmtpTokenProvider.Microsoft365, request.Flow), claims, user, request.ClientId);
            token.ExpiresOn = claims?.ExpiresOn ?? result.ExpiresOn;
            token.TenantId = token.TenantId ?? result.TenantId;
            token.Renewal = (force, cancellation) => renew(force, cancellation).GetAwaiter().GetResult();
            return token;
        }

        private static SmtpAccessToken Describe(SmtpAccessToken token, AccessTokenClaims? claims, string? user, string? clientId)
        {
            token.UserName = user ?? claims?.Upn ?? claims?.Email;
            token.ExpiresOn = claims?.ExpiresOn;
            token.Audience = claims?.Audience;
            token.TenantId = claims?.TenantId;
            token.ClientId = claims?.AppId ?? clientId;
            token.Roles = claims?.Roles ?? Array.Empty<string>();
            token.Scopes = claims?.Scopes ?? Array.Empty<string>();
            return token;
        }

        private static async Task<AuthenticationResult> Msal(SmtpTokenRequest request, Func<Task<AuthenticationResult>> call)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (MsalUiRequiredException)
            {
                throw;
            }
            catch (MsalServiceException e)
            {
                throw Refused(request, e.Message, e, MicrosoftAdvice(e, request));
            }
            catch (MsalClientException e) when (e.ErrorCode == MsalError.AuthenticationCanceledError)
            {
                throw new OperationCanceledException(e.Message, e);
            }
            catch (MsalClientException e)
            {
                throw Refused(request, e.Message, e, "Check -TenantId, -ClientId and the certificate or secret given.");
            }
            catch (HttpRequestException e)
            {
                throw Unreachable(request.Authority, e);
            }
        }

        private static SmtpConnectionException Refused(SmtpTokenRequest request, string reason, Exception e, string advice)
        {
            var app = request.Flow == SmtpTokenFlow.ServiceAccount ? "the service account" : $"app {request.ClientId} in tenant {request.TenantId}";
            return new SmtpConnectionException(SmtpFailureKind.TokenRequestFailed, $"No access token was issued for {app}: {Sanitize(reason)} {advice}", e);
        }

        private static SmtpConnectionException Unreachable(Uri where, Exception e) =>
            new SmtpConnectionException(SmtpFailureKind.ConnectionRefused, $"The identity provider {where.Host} cannot be reached: {Sanitize(e.GetBaseException().Message)} Check the network, a proxy, and -Authority.", e);

        // AADSTS codes of https://learn.microsoft.com/entra/identity-platform/reference-error-codes that SMTP scripts meet.
        private static string MicrosoftAdvice(MsalServiceException e, SmtpTokenRequest request)
        {
            var text = e.Message ?? string.Empty;
            if (text.Contains("AADSTS7000215") || text.Contains("AADSTS7000222"))
            {
                return "The client secret is wrong, expired or deleted (or the secret's ID was given instead of its value): create a new one under Entra ID > App registrations > the app > Certificates & secrets, and pass its Value to -ClientSecret.";
            }

            if (text.Contains("AADSTS700027") || text.Contains("AADSTS700024"))
            {
                return "The certificate is not one the app registration knows, or the clock is off: upload its public part (.cer) under Certificates & secrets, and check the thumbprint given.";
            }

            if (text.Contains("AADSTS700016"))
            {
                return "No app with this client id exists in this tenant: copy the Application (client) ID and Directory (tenant) ID from the app registration's Overview.";
            }

            if (text.Contains("AADSTS90002"))
            {
                return "The tenant does not exist: check -TenantId (its GUID or a verified domain).";
            }

            if (text.Contains("AADSTS65001"))
            {
                return "The permission was not consented: in API permissions, add Office 365 Exchange Online > SMTP.Send (or SMTP.SendAsApp) and grant admin consent.";
            }

            if (text.Contains("AADSTS70020") || text.Contains("code_expired") || e.ErrorCode == "expired_token")
            {
                return "Nobody signed in within the device code's lifetime: run the command again and complete the sign-in promptly.";
            }

            if (text.Contains("AADSTS7000218"))
            {
                return "The app registration is a confidential client: allow public client flows (Authentication > Allow public client flows: Yes) for -DeviceCode.";
            }

            return request.Flow == SmtpTokenFlow.DeviceCode ? "Sign in again; if it persists, check the app registration's API permissions." : "Check -TenantId, -ClientId and the app's credential.";
        }

        private static string GoogleAdvice(string? error, SmtpTokenRequest request, string clientEmail)
        {
            switch (error)
            {
                case "unauthorized_client":
                    return $"Domain-wide delegation is not set up for this service account and scope: in the Google Admin console, Security > Access and data control > API controls > Manage Domain Wide Delegation, add the service account's client ID with the scope {SmtpTokenRequest.GmailScope}; -Subject ({request.Subject}) must be a user of that Workspace domain.";
                case "invalid_grant":
                    return $"The key of {clientEmail} was refused (deleted or disabled in the Cloud console, or the clock is off), or -Subject is not a user of the domain.";
                default:
                    return "Check the key file and -Subject.";
            }
        }

        private static SecureString Secure(string text)
        {
            var secure = new SecureString();
            foreach (var c in text)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }

        // Provider texts reach the terminal: no control characters, bounded length.
        private static string Sanitize(string text)
        {
            var clean = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
            return clean.Length > 600 ? clean.Substring(0, 600) + "..." : clean;
        }
    }
}
