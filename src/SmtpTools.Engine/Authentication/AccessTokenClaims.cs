using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace SmtpTools.Authentication
{
    /// <summary>
    /// What a JWT access token says about itself, read locally without validating it (only the provider and the
    /// server can do that): enough to tell a user why a server refused it. Never holds the token.
    /// </summary>
    internal sealed class AccessTokenClaims
    {
        // Bounds what a hostile or broken token can make us parse.
        private const int MaximumTokenLength = 16 * 1024;

        public string? Issuer { get; private set; }

        public string? Audience { get; private set; }

        public string? TenantId { get; private set; }

        public string? AppId { get; private set; }

        public string? Upn { get; private set; }

        public string? Email { get; private set; }

        public string? IdType { get; private set; }

        public IReadOnlyList<string> Roles { get; private set; } = Array.Empty<string>();

        public IReadOnlyList<string> Scopes { get; private set; } = Array.Empty<string>();

        public DateTimeOffset? ExpiresOn { get; private set; }

        public SmtpTokenProvider Provider =>
            Issuer == null ? SmtpTokenProvider.Unknown
            : Issuer.IndexOf("google", StringComparison.OrdinalIgnoreCase) >= 0 ? SmtpTokenProvider.Google
            : TenantId != null ? SmtpTokenProvider.Microsoft365 : SmtpTokenProvider.Unknown;

        /// <summary>True for a Microsoft app-only token (client credentials): no user, application permissions.</summary>
        public bool IsAppOnly => string.Equals(IdType, "app", StringComparison.OrdinalIgnoreCase) || (Upn == null && Scopes.Count == 0 && Roles.Count > 0);

        /// <summary>The claims of <paramref name="token"/>; null when it is not a readable JWT (an opaque token).</summary>
        public static AccessTokenClaims? Read(string? token)
        {
            if (string.IsNullOrEmpty(token) || token!.Length > MaximumTokenLength)
            {
                return null;
            }

            var parts = token.Split('.');
            if (parts.Length != 3)
            {
                return null;
            }

            try
            {
                using var body = JsonDocument.Parse(FromBase64Url(parts[1]));
                var root = body.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                return new AccessTokenClaims
                {
                    Issuer = Text(root, "iss"),
                    Audience = Text(root, "aud"),
                    TenantId = Text(root, "tid"),
                    AppId = Text(root, "appid") ?? Text(root, "azp"),
                    Upn = Text(root, "upn") ?? Text(root, "preferred_username") ?? Text(root, "unique_name"),
                    Email = Text(root, "email"),
                    IdType = Text(root, "idtyp"),
                    Roles = List(root, "roles"),
                    Scopes = List(root, "scp").Concat(List(root, "scope")).ToList(),
                    ExpiresOn = root.TryGetProperty("exp", out var exp) && exp.ValueKind == JsonValueKind.Number && exp.TryGetInt64(out var seconds)
                        ? DateTimeOffset.FromUnixTimeSeconds(Math.Max(0, Math.Min(seconds, 253402300799)))
                        : (DateTimeOffset?)null,
                };
            }
            catch (Exception e) when (e is FormatException || e is JsonException || e is ArgumentException)
            {
                return null;
            }
        }

        private static string? Text(JsonElement root, string name)
        {
            if (!root.TryGetProperty(name, out var value))
            {
                return null;
            }

            // aud may be an array (RFC 7519 4.1.3): the first is what the providers put there.
            if (value.ValueKind == JsonValueKind.Array)
            {
                value = value.EnumerateArray().FirstOrDefault();
            }

            return value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }

        // Entra ID writes roles as a JSON array and scp space-separated; some servers want both as strings.
        private static IReadOnlyList<string> List(JsonElement root, string name)
        {
            if (!root.TryGetProperty(name, out var value))
            {
                return Array.Empty<string>();
            }

            IEnumerable<string> items = value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
                : value.ValueKind == JsonValueKind.String ? new[] { value.GetString()! } : Array.Empty<string>();
            return items.SelectMany(i => i.Split(new[] { ' ', ',' }, StringSplitOptions.RemoveEmptyEntries)).ToList();
        }

        private static byte[] FromBase64Url(string text)
        {
            var s = text.Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
        }
    }
}
