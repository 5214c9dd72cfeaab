using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace SmtpTools.Tests.Reliability
{
    /// <summary>
    /// Every form a password or token takes on an SMTP wire or in a careless log: raw, base64 alone (AUTH LOGIN), the
    /// AUTH PLAIN blob, the XOAUTH2 and OAUTHBEARER blobs, and the part of its base64 that any blob carrying it contains
    /// whatever bytes precede it (one per alignment mod 3). A search for these finds the secret however it was wrapped.
    /// </summary>
    public static class SecretForms
    {
        /// <summary>The forms of a user name and password.</summary>
        public static IReadOnlyList<string> OfPassword(string user, string password) => Distinct(
            new[] { password, B64(password), B64("\0" + user + "\0" + password), B64(user + "\0" + user + "\0" + password) }
                .Concat(Base64Cores(password)));

        /// <summary>The forms of an OAuth access token sent for <paramref name="user"/>.</summary>
        public static IReadOnlyList<string> OfToken(string user, string token) => Distinct(
            new[]
            {
                token, B64(token),
                B64("user=" + user + "\u0001auth=Bearer " + token + "\u0001\u0001"),
                B64("n,a=" + user + ",\u0001auth=Bearer " + token + "\u0001\u0001"),
            }.Concat(Base64Cores(token)));

        /// <summary>
        /// The forms of an OAuth credential that never goes to the mail server (a client secret, a client assertion, a
        /// refresh token, a device code) or of an access token in a careless log: raw, URL-encoded as a form body
        /// carries it, base64 and its cores, and for a JWT its signature alone, the part that makes it a credential.
        /// </summary>
        public static IReadOnlyList<string> OfOAuthCredential(string secret)
        {
            var parts = secret.Split('.');
            var signature = parts.Length == 3 && parts[2].Length >= 16 ? new[] { parts[2] } : Array.Empty<string>();
            return Distinct(new[] { secret, Uri.EscapeDataString(secret), B64(secret) }.Concat(Base64Cores(secret)).Concat(signature));
        }

        /// <summary>How many (text, form) pairs match: 0 means no secret anywhere in <paramref name="texts"/>.</summary>
        public static int CountHits(IEnumerable<string?> texts, IEnumerable<string> forms)
        {
            var formList = forms.ToList();
            return texts.Where(t => !string.IsNullOrEmpty(t)).Sum(t => formList.Count(f => t!.Contains(f, StringComparison.Ordinal)));
        }

        /// <summary>How many forms occur in raw bytes (read as Latin-1, one char per byte).</summary>
        public static int CountHits(byte[] bytes, IEnumerable<string> forms) => CountHits(new[] { Encoding.Latin1.GetString(bytes) }, forms);

        /// <summary>The base64 characters determined by the secret alone, for each of the three byte alignments it can have inside a longer blob.</summary>
        public static IEnumerable<string> Base64Cores(string secret)
        {
            var bytes = Encoding.UTF8.GetBytes(secret);
            for (var prefix = 0; prefix < 3; prefix++)
            {
                // With `prefix` bytes before it, the secret's first whole 3-byte group starts at its byte (3 - prefix) % 3.
                var skip = (3 - prefix) % 3;
                var groups = (bytes.Length - skip) / 3;
                if (groups >= 2)
                {
                    yield return Convert.ToBase64String(bytes, skip, groups * 3);
                }
            }
        }

        private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

        private static IReadOnlyList<string> Distinct(IEnumerable<string> forms) => forms.Where(f => f.Length > 0).Distinct().ToList();
    }
}
