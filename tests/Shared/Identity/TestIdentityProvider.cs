using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SmtpTools.Tests.Identity
{
    /// <summary>
    /// The tests' OAuth 2.0 identity provider on loopback HTTPS (Kestrel, the test server's certificate): the endpoints
    /// MSAL and Google.Apis.Auth call, shaped like Entra ID's and Google's. Client credentials with a secret or a
    /// certificate assertion, the device-code flow, and the JWT bearer grant of a Google service account; the access
    /// tokens are JWTs signed with the key the test Dovecot trusts, so Dovecot itself decides whether they get in.
    /// Roles and scopes are space-separated strings: Dovecot 2.3.19 crashes on JSON arrays in a token body.
    /// </summary>
    public sealed class TestIdentityProvider : IAsyncDisposable
    {
        /// <summary>Exchange Online's resource, the audience an SMTP token must have.</summary>
        public const string ExchangeResource = "https://outlook.office365.com";

        /// <summary>Gmail's scope, also the audience of the Google tokens this provider issues.</summary>
        public const string GmailScope = "https://mail.google.com/";

        private const string GoogleAssertionAudience = "https://oauth2.googleapis.com/token";
        private const string DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code";

        // MSAL sends the device-code grant by its short name, as Entra ID accepts.
        private const string ShortDeviceCodeGrant = "device_code";
        private const string JwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

        private readonly WebApplication _app;
        private readonly RSA _signingKey;
        private readonly string _keyId;
        private readonly ConcurrentDictionary<string, TestClientRegistration> _clients = new(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, DeviceAuthorization> _deviceCodes = new();
        private readonly ConcurrentQueue<TokenRequestRecord> _requests = new();
        private readonly ConcurrentQueue<string> _issued = new();
        private readonly ConcurrentQueue<string> _faults = new();
        private readonly ConcurrentQueue<string> _credentials = new();
        private readonly ConcurrentDictionary<string, string> _refreshTokens = new();

        private TestIdentityProvider(WebApplication app, RSA signingKey, string keyId)
        {
            _app = app;
            _signingKey = signingKey;
            _keyId = keyId;
        }

        /// <summary>https://localhost:port/ (the test server's certificate names localhost).</summary>
        public Uri BaseAddress { get; private set; } = null!;

        /// <summary>Every token request answered, in order, without secrets.</summary>
        public IReadOnlyList<TokenRequestRecord> Requests => _requests.ToArray();

        /// <summary>Every access token issued, so secret-hygiene tests can look for them.</summary>
        public IReadOnlyList<string> IssuedTokens => _issued.ToArray();

        /// <summary>
        /// Every secret that crossed this provider either way: client secrets, client assertions, JWT bearer assertions,
        /// device codes and refresh tokens received; access and refresh tokens issued. Secret-hygiene tests look for them.
        /// </summary>
        public IReadOnlyList<string> Credentials => _credentials.ToArray();

        /// <summary>Exceptions the endpoints threw (a bug of this provider, not of the client): tests show them when a request failed.</summary>
        public IReadOnlyList<string> Faults => _faults.ToArray();

        /// <summary>The Entra-style authority of a tenant: what -Authority takes.</summary>
        public Uri AuthorityOf(string tenantId) => new Uri(BaseAddress, tenantId);

        /// <summary>The token endpoint of the Google-style JWT bearer grant (a service account key file's token_uri).</summary>
        public Uri GoogleTokenEndpoint => new Uri(BaseAddress, "google/token");

        /// <summary>Starts on an ephemeral loopback port.</summary>
        public static async Task<TestIdentityProvider> StartAsync(string signingKeyPem, string keyId, X509Certificate2 tlsCertificate, X509Certificate2Collection? tlsChain = null)
        {
            var key = RSA.Create();
            key.ImportFromPem(signingKeyPem);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
            {
                https.ServerCertificate = tlsCertificate;
                https.ServerCertificateChain = tlsChain;
            })));
            var app = builder.Build();
            var provider = new TestIdentityProvider(app, key, keyId);
            app.Use(async (context, next) =>
            {
                try
                {
                    await next(context).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    provider._faults.Enqueue($"{context.Request.Path}: {e}");
                    throw;
                }
            });
            app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) => Results.Json(provider.Metadata(tenant)));
            app.MapGet("/{tenant}/discovery/v2.0/keys", () => Results.Json(provider.Keys()));
            app.MapPost("/{tenant}/oauth2/v2.0/token", (string tenant, HttpContext context) => provider.MicrosoftToken(tenant, context));
            app.MapPost("/{tenant}/oauth2/v2.0/devicecode", (string tenant, HttpContext context) => provider.DeviceCode(tenant, context));
            app.MapPost("/google/token", (Func<HttpContext, Task<IResult>>)provider.GoogleToken);
            await app.StartAsync().ConfigureAwait(false);
            var port = new Uri(app.Urls.First()).Port;
            provider.BaseAddress = new Uri($"https://localhost:{port}/");
            return provider;
        }

        /// <summary>Adds (or replaces) an application.</summary>
        public TestClientRegistration Register(TestClientRegistration client)
        {
            _clients[client.ClientId] = client;
            return client;
        }

        /// <summary>Signs a token with arbitrary claims, for tests that need one the endpoints would never issue.</summary>
        public string Sign(IDictionary<string, object> claims) => SignJwt(new JsonObject(claims.Select(c => KeyValuePair.Create(c.Key, JsonValue.Create(c.Value) as JsonNode))));

        /// <inheritdoc />
        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _signingKey.Dispose();
        }

        private object Metadata(string tenant)
        {
            var root = new Uri(BaseAddress, tenant + "/").ToString();
            return new Dictionary<string, object>
            {
                ["issuer"] = root + "v2.0",
                ["token_endpoint"] = root + "oauth2/v2.0/token",
                ["device_authorization_endpoint"] = root + "oauth2/v2.0/devicecode",
                ["authorization_endpoint"] = root + "oauth2/v2.0/authorize",
                ["jwks_uri"] = root + "discovery/v2.0/keys",
                ["response_types_supported"] = new[] { "code" },
                ["grant_types_supported"] = new[] { "client_credentials", DeviceCodeGrant, "refresh_token" },
            };
        }

        private object Keys()
        {
            var parameters = _signingKey.ExportParameters(false);
            return new { keys = new[] { new { kty = "RSA", use = "sig", kid = _keyId, n = B64(parameters.Modulus!), e = B64(parameters.Exponent!) } } };
        }

        private async Task<IResult> MicrosoftToken(string tenant, HttpContext context)
        {
            var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
            Remember(form);
            var grant = form["grant_type"].ToString();
            var clientId = form["client_id"].ToString();
            var scope = form["scope"].ToString();
            if (!_clients.TryGetValue(clientId, out var client) || !string.Equals(client.TenantId, tenant, StringComparison.OrdinalIgnoreCase))
            {
                return Refuse(grant, clientId, scope, "none", "unauthorized_client", 400, 700016, $"AADSTS700016: Application with identifier '{clientId}' was not found in the directory '{tenant}'.");
            }

            switch (grant)
            {
                case "client_credentials":
                    return ClientCredentials(client, scope, form, context);
                case DeviceCodeGrant:
                case ShortDeviceCodeGrant:
                    return DeviceCodeToken(client, scope, form["device_code"].ToString());
                case "refresh_token":
                    return RefreshToken(client, scope, form["refresh_token"].ToString());
                default:
                    return Refuse(grant, clientId, scope, "none", "unsupported_grant_type", 400, 70003, $"AADSTS70003: The grant type '{grant}' is not supported.");
            }
        }

        private IResult ClientCredentials(TestClientRegistration client, string scope, IFormCollection form, HttpContext context)
        {
            var secret = form["client_secret"].ToString();
            var assertion = form["client_assertion"].ToString();
            string credential;
            if (assertion.Length > 0)
            {
                credential = "assertion";
                var endpoint = new Uri(BaseAddress, context.Request.Path.Value!.TrimStart('/')).ToString();
                var problem = AssertionProblem(assertion, client, endpoint);
                if (problem != null)
                {
                    return Refuse("client_credentials", client.ClientId, scope, credential, "invalid_client", 401, 700027, "AADSTS700027: Client assertion failed signature validation or is malformed: " + problem);
                }
            }
            else if (secret.Length > 0)
            {
                credential = "secret";
                if (client.ClientSecret == null || client.SecretRevoked || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(client.ClientSecret)))
                {
                    return Refuse("client_credentials", client.ClientId, scope, credential, "invalid_client", 401, 7000215, $"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client.ClientId}'.");
                }
            }
            else
            {
                return Refuse("client_credentials", client.ClientId, scope, "none", "invalid_client", 401, 7000218, "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
            }

            if (!scope.EndsWith("/.default", StringComparison.Ordinal))
            {
                return Refuse("client_credentials", client.ClientId, scope, credential, "invalid_scope", 400, 1002012, $"AADSTS1002012: The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.");
            }

            var claims = Common(client, scope[..^"/.default".Length]);
            claims["sub"] = claims["oid"] = Deterministic("sp:" + client.ClientId);
            claims["idtyp"] = "app";
            claims["roles"] = client.Roles;
            if (client.GrantedMailbox != null)
            {
                claims["smtp_mailbox"] = client.GrantedMailbox;
            }

            return Grant("client_credentials", client, scope, credential, claims, refreshToken: null);
        }

        private async Task<IResult> DeviceCode(string tenant, HttpContext context)
        {
            var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
            var clientId = form["client_id"].ToString();
            if (!_clients.TryGetValue(clientId, out var client) || !string.Equals(client.TenantId, tenant, StringComparison.OrdinalIgnoreCase))
            {
                return Error("unauthorized_client", 400, 700016, $"AADSTS700016: Application with identifier '{clientId}' was not found in the directory '{tenant}'.");
            }

            var userCode = RandomNumberGenerator.GetString("BCDFGHJKLMNPQRSTVWXZ", 9);
            var deviceCode = B64(RandomNumberGenerator.GetBytes(32));
            _deviceCodes[deviceCode] = new DeviceAuthorization(client.ClientId, form["scope"].ToString(), userCode, client.PendingPolls);
            var verification = new Uri(BaseAddress, "devicelogin").ToString();
            return Results.Json(new Dictionary<string, object>
            {
                ["user_code"] = userCode,
                ["device_code"] = deviceCode,
                ["verification_uri"] = verification,
                ["expires_in"] = 900,
                ["interval"] = 1,
                ["message"] = $"To sign in, use a web browser to open the page {verification} and enter the code {userCode} to authenticate.",
            });
        }

        private IResult DeviceCodeToken(TestClientRegistration client, string scope, string deviceCode)
        {
            if (!_deviceCodes.TryGetValue(deviceCode, out var authorization) || authorization.ClientId != client.ClientId)
            {
                return Refuse(DeviceCodeGrant, client.ClientId, scope, "device_code", "invalid_grant", 400, 70000, "AADSTS70000: The provided value for the 'device_code' is not valid.");
            }

            if (Interlocked.Decrement(ref authorization.PendingPolls) >= 0 || client.DeviceUser == null)
            {
                return Refuse(DeviceCodeGrant, client.ClientId, scope, "device_code", "authorization_pending", 400, 70016, "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.");
            }

            _deviceCodes.TryRemove(deviceCode, out _);
            return Delegated(DeviceCodeGrant, client, scope, "device_code");
        }

        private IResult RefreshToken(TestClientRegistration client, string scope, string refreshToken)
        {
            if (!_refreshTokens.TryGetValue(refreshToken, out var owner) || owner != client.ClientId)
            {
                return Refuse("refresh_token", client.ClientId, scope, "refresh_token", "invalid_grant", 400, 70008, "AADSTS70008: The provided authorization code or refresh token has expired or was revoked.");
            }

            return Delegated("refresh_token", client, scope, "refresh_token");
        }

        // The resource is the scope's prefix (https://outlook.office365.com/SMTP.Send); OIDC scopes are not resources.
        private IResult Delegated(string grant, TestClientRegistration client, string scope, string credential)
        {
            var requested = scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => s.Contains('/')).ToList();
            var resource = requested.Select(s => s[..s.LastIndexOf('/')]).FirstOrDefault() ?? "00000003-0000-0000-c000-000000000000";
            var consented = client.ConsentedScopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var granted = requested.Select(s => s[(s.LastIndexOf('/') + 1)..]).Where(s => consented.Contains(s, StringComparer.OrdinalIgnoreCase));
            var claims = Common(client, resource);
            claims["sub"] = Deterministic("user:" + client.DeviceUser);
            claims["oid"] = Deterministic("oid:" + client.DeviceUser);
            claims["upn"] = client.DeviceUser!;
            claims["scp"] = string.Join(" ", granted);
            var refresh = B64(RandomNumberGenerator.GetBytes(32));
            _refreshTokens[refresh] = client.ClientId;
            return Grant(grant, client, scope, credential, claims, refresh, idToken: IdToken(client));
        }

        private async Task<IResult> GoogleToken(HttpContext context)
        {
            var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
            Remember(form);
            var grant = form["grant_type"].ToString();
            var assertion = form["assertion"].ToString();
            if (grant != JwtBearerGrant || !TryReadJwt(assertion, out var header, out var body, out _))
            {
                return Refuse(grant, "?", string.Empty, "assertion", "invalid_grant", 400, 0, "Invalid JWT bearer grant.");
            }

            var issuer = body["iss"]?.ToString() ?? string.Empty;
            var scope = body["scope"]?.ToString() ?? string.Empty;
            if (!_clients.TryGetValue(issuer, out var client) || client.ServiceAccountKey == null || !Verify(assertion, header, client.ServiceAccountKey))
            {
                return Refuse(grant, issuer, scope, "assertion", "invalid_grant", 400, 0, "Invalid JWT Signature.");
            }

            // Google.Apis.Auth addresses the assertion to Google's token endpoint whatever token_uri says, as Google expects.
            if (body["aud"]?.ToString() != GoogleAssertionAudience)
            {
                return Refuse(grant, issuer, scope, "assertion", "invalid_grant", 400, 0, $"Invalid JWT: the audience {body["aud"]} is not this token endpoint.");
            }

            var subject = body["sub"]?.ToString();
            if (subject == null || client.GrantedMailbox == null || !string.Equals(subject, client.GrantedMailbox, StringComparison.OrdinalIgnoreCase))
            {
                return Refuse(grant, issuer, scope, "assertion", "unauthorized_client", 401, 0, "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.");
            }

            var claims = new Dictionary<string, object>
            {
                ["iss"] = "https://accounts.google.com",
                ["aud"] = scope.Split(' ').Contains(GmailScope) ? GmailScope : scope,
                ["azp_client"] = issuer,
                ["sub"] = Deterministic("google:" + subject),
                ["email"] = subject,
                ["scope"] = scope,
            };
            return Grant(grant, client, scope, "assertion", claims, refreshToken: null);
        }

        private void Remember(IFormCollection form)
        {
            foreach (var name in new[] { "client_secret", "client_assertion", "assertion", "refresh_token", "device_code" })
            {
                if (form[name].ToString() is { Length: > 0 } value)
                {
                    _credentials.Enqueue(value);
                }
            }
        }

        private Dictionary<string, object> Common(TestClientRegistration client, string audience) => new()
        {
            ["iss"] = $"https://sts.windows.net/{client.TenantId}/",
            ["aud"] = audience,
            ["tid"] = client.TenantId,
            ["appid"] = client.ClientId,
            ["ver"] = "1.0",
        };

        private IResult Grant(string grant, TestClientRegistration client, string scope, string credential, Dictionary<string, object> claims, string? refreshToken, string? idToken = null)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var lifetime = (long)client.TokenLifetime.TotalSeconds;
            claims["iat"] = claims["nbf"] = now - 5;
            claims["exp"] = now + lifetime;
            var token = Sign(claims);
            _issued.Enqueue(token);
            _credentials.Enqueue(token);
            _requests.Enqueue(new TokenRequestRecord(grant, client.ClientId, scope, credential, true, null));
            var response = new Dictionary<string, object>
            {
                ["token_type"] = "Bearer",
                ["expires_in"] = lifetime,
                ["ext_expires_in"] = lifetime,
                ["access_token"] = token,
            };
            if (grant != "client_credentials" && grant != JwtBearerGrant)
            {
                response["scope"] = scope;
                response["client_info"] = B64(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { uid = claims["oid"], utid = client.TenantId })));
            }

            if (refreshToken != null)
            {
                _credentials.Enqueue(refreshToken);
                response["refresh_token"] = refreshToken;
            }

            if (idToken != null)
            {
                response["id_token"] = idToken;
            }

            return Results.Json(response);
        }

        private string IdToken(TestClientRegistration client)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            return Sign(new Dictionary<string, object>
            {
                ["iss"] = new Uri(BaseAddress, client.TenantId + "/v2.0").ToString(),
                ["aud"] = client.ClientId,
                ["tid"] = client.TenantId,
                ["oid"] = Deterministic("oid:" + client.DeviceUser),
                ["sub"] = Deterministic("user:" + client.DeviceUser),
                ["preferred_username"] = client.DeviceUser!,
                ["name"] = client.DeviceUser!,
                ["iat"] = now,
                ["nbf"] = now,
                ["exp"] = now + 3600,
                ["ver"] = "2.0",
            });
        }

        private IResult Refuse(string grant, string clientId, string scope, string credential, string error, int status, int code, string description)
        {
            _requests.Enqueue(new TokenRequestRecord(grant, clientId, scope, credential, false, error));
            return Error(error, status, code, description);
        }

        private static IResult Error(string error, int status, int code, string description) =>
            Results.Json(new Dictionary<string, object>
            {
                ["error"] = error,
                ["error_description"] = description,
                ["error_codes"] = new[] { code },
                ["timestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ssZ"),
            }, statusCode: status);

        // What Entra ID checks of a client assertion (RFC 7523): signed by the uploaded certificate, for this endpoint, by this client, not expired.
        private static string? AssertionProblem(string assertion, TestClientRegistration client, string endpoint)
        {
            if (client.Certificate == null)
            {
                return "no certificate is registered for the application.";
            }

            if (!TryReadJwt(assertion, out var header, out var body, out _))
            {
                return "not a JWT.";
            }

            var x5t = header["x5t"]?.ToString();
            var x5tS256 = header["x5t#S256"]?.ToString();
            if (x5t != B64(client.Certificate.GetCertHash()) && x5tS256 != B64(client.Certificate.GetCertHash(HashAlgorithmName.SHA256)))
            {
                return "the key is not one of the application's certificates.";
            }

            using var key = client.Certificate.GetRSAPublicKey();
            if (key == null || !Verify(assertion, header, key))
            {
                return "the signature is invalid.";
            }

            if (body["aud"]?.ToString() != endpoint || body["iss"]?.ToString() != client.ClientId || body["sub"]?.ToString() != client.ClientId)
            {
                return "aud, iss or sub do not match.";
            }

            // MSAL writes exp as a string.
            return long.TryParse(body["exp"]?.ToString(), out var exp) && exp >= DateTimeOffset.UtcNow.ToUnixTimeSeconds() ? null : "the assertion expired or has no exp.";
        }

        private static bool Verify(string jwt, JsonNode header, RSA key)
        {
            var parts = jwt.Split('.');
            var alg = header["alg"]?.ToString();
            var padding = alg == "PS256" ? RSASignaturePadding.Pss : alg == "RS256" ? RSASignaturePadding.Pkcs1 : null;
            return padding != null && key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromB64(parts[2]), HashAlgorithmName.SHA256, padding);
        }

        private static bool TryReadJwt(string jwt, out JsonNode header, out JsonNode body, out string signature)
        {
            header = body = null!;
            signature = string.Empty;
            var parts = jwt.Split('.');
            if (parts.Length != 3)
            {
                return false;
            }

            try
            {
                header = JsonNode.Parse(FromB64(parts[0]))!;
                body = JsonNode.Parse(FromB64(parts[1]))!;
                signature = parts[2];
                return true;
            }
            catch (Exception e) when (e is FormatException || e is JsonException)
            {
                return false;
            }
        }

        private string SignJwt(JsonObject claims)
        {
            var header = B64(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { alg = "RS256", typ = "JWT", kid = _keyId })));
            var body = B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
            var signature = _signingKey.SignData(Encoding.ASCII.GetBytes(header + "." + body), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return header + "." + body + "." + B64(signature);
        }

        private string Sign(Dictionary<string, object> claims) => SignJwt(JsonSerializer.SerializeToNode(claims)!.AsObject());

        private static string Deterministic(string seed) => new Guid(MD5.HashData(Encoding.UTF8.GetBytes(seed))).ToString();

        private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        private static byte[] FromB64(string text)
        {
            var s = text.Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
        }

        private sealed class DeviceAuthorization
        {
            public DeviceAuthorization(string clientId, string scope, string userCode, int pendingPolls)
            {
                ClientId = clientId;
                Scope = scope;
                UserCode = userCode;
                PendingPolls = pendingPolls;
            }

            public string ClientId { get; }

            public string Scope { get; }

            public string UserCode { get; }

            public int PendingPolls;
        }
    }
}
