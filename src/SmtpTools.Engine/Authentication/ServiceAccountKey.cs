using System;
using System.IO;
using System.Text.Json;

namespace SmtpTools.Authentication
{
    /// <summary>
    /// The parts of a Google service account's JSON key file that Google.Apis.Auth needs: who (client_email), the
    /// private key, and where its tokens come from (token_uri). Read ourselves rather than through the library's
    /// loader so the file is checked before any network I/O and a bad one is named.
    /// </summary>
    internal sealed class ServiceAccountKey
    {
        private const long MaximumFileLength = 64 * 1024;

        private ServiceAccountKey(string clientEmail, string privateKey, string tokenUri)
        {
            ClientEmail = clientEmail;
            PrivateKey = privateKey;
            TokenUri = tokenUri;
        }

        public string ClientEmail { get; }

        public string PrivateKey { get; }

        public string TokenUri { get; }

        /// <exception cref="SmtpConnectionException">InvalidMessage: unreadable, not JSON, not a service account key.</exception>
        public static ServiceAccountKey Read(string path)
        {
            try
            {
                var file = new FileInfo(path);
                if (file.Length > MaximumFileLength)
                {
                    throw Bad(path, "it is too large to be a service account key");
                }

                using var json = JsonDocument.Parse(File.ReadAllBytes(path));
                var root = json.RootElement;
                if (Text(root, "type") != "service_account")
                {
                    throw Bad(path, "its \"type\" is not \"service_account\" (an OAuth client file or a user credential was given?)");
                }

                var email = Text(root, "client_email") ?? throw Bad(path, "it has no client_email");
                var key = Text(root, "private_key") ?? throw Bad(path, "it has no private_key");
                var tokenUri = Text(root, "token_uri") ?? "https://oauth2.googleapis.com/token";
                if (!Uri.TryCreate(tokenUri, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
                {
                    throw Bad(path, "its token_uri is not an https URL");
                }

                return new ServiceAccountKey(email, key, tokenUri);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is JsonException)
            {
                throw Bad(path, e.Message);
            }
        }

        private static string? Text(JsonElement root, string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private static SmtpConnectionException Bad(string path, string why) =>
            new SmtpConnectionException(SmtpFailureKind.InvalidMessage, $"The service account key file '{path}' cannot be used: {why}. Download a JSON key under Google Cloud console > IAM & Admin > Service accounts > Keys.");
    }
}
