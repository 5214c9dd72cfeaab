using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// Removes a password or token from text we show or keep: transcripts, failure messages, server replies. A server
    /// may echo what it was sent ("535 Authentication failed for dXNlcg..."), so every text that came from the wire
    /// after AUTH passes through here. It knows every form a secret travels in: raw, base64 alone (AUTH LOGIN), the
    /// PLAIN, XOAUTH2 and OAUTHBEARER blobs, and the part of the secret's base64 that appears inside any longer blob
    /// whatever precedes it (one per alignment mod 3), so a truncated echo is caught too.
    /// </summary>
    internal sealed class SecretScrubber
    {
        /// <summary>What a secret is replaced with.</summary>
        public const string Redacted = "********";

        // Base64 runs shorter than this are too likely to occur by chance to be scrubbed as a secret's fragment.
        private const int MinimumCoreLength = 8;

        private SecretScrubber(IEnumerable<string> forms)
        {
            Forms = forms.Where(f => !string.IsNullOrEmpty(f)).Distinct().OrderByDescending(f => f.Length).ToList();
        }

        /// <summary>Knows no secret: scrubs nothing.</summary>
        public static SecretScrubber None { get; } = new SecretScrubber(Array.Empty<string>());

        /// <summary>Every form known, longest first.</summary>
        public IReadOnlyList<string> Forms { get; }

        /// <summary>A scrubber for a user name and password (PLAIN and LOGIN forms).</summary>
        public static SecretScrubber ForPassword(string? user, string? password)
        {
            if (string.IsNullOrEmpty(password))
            {
                return None;
            }

            user = user ?? string.Empty;
            return new SecretScrubber(new[] { password!, B64(password!), B64("\0" + user + "\0" + password), B64(user + "\0" + user + "\0" + password) }.Concat(Base64Cores(password!)));
        }

        /// <summary>A scrubber for an OAuth token sent for <paramref name="user"/> (XOAUTH2 and OAUTHBEARER forms).</summary>
        public static SecretScrubber ForToken(string? user, string? token)
        {
            if (string.IsNullOrEmpty(token))
            {
                return None;
            }

            user = user ?? string.Empty;
            return new SecretScrubber(new[]
            {
                token!, B64(token!),
                B64("user=" + user + "\u0001auth=Bearer " + token + "\u0001\u0001"),
                B64("n,a=" + user + ",\u0001auth=Bearer " + token + "\u0001\u0001"),
            }.Concat(Base64Cores(token!)));
        }

        /// <summary>One scrubber for both.</summary>
        public SecretScrubber And(SecretScrubber other) => new SecretScrubber(Forms.Concat(other.Forms));

        /// <summary>True when <paramref name="text"/> holds any form of the secret.</summary>
        public bool Finds(string? text) => !string.IsNullOrEmpty(text) && Forms.Any(f => text!.IndexOf(f, StringComparison.Ordinal) >= 0);

        /// <summary><paramref name="text"/> with every form of the secret replaced by <see cref="Redacted"/>.</summary>
        public string Scrub(string text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return text;
            }

            foreach (var form in Forms)
            {
                if (text.IndexOf(form, StringComparison.Ordinal) >= 0)
                {
                    text = text.Replace(form, Redacted);
                }
            }

            return text;
        }

        /// <summary>True when any message or ToString() of <paramref name="exception"/> or its inner exceptions holds a form of the secret.</summary>
        public bool Finds(Exception? exception)
        {
            for (var e = exception; e != null; e = e.InnerException)
            {
                if (Finds(e.Message) || Finds(e.ToString()))
                {
                    return true;
                }
            }

            return false;
        }

        private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

        private static IEnumerable<string> Base64Cores(string secret)
        {
            var bytes = Encoding.UTF8.GetBytes(secret);
            for (var prefix = 0; prefix < 3; prefix++)
            {
                // Behind `prefix` other bytes, the secret's first whole 3-byte group starts at its byte (3 - prefix) % 3.
                var skip = (3 - prefix) % 3;
                var groups = (bytes.Length - skip) / 3;
                if (groups * 4 >= MinimumCoreLength)
                {
                    yield return Convert.ToBase64String(bytes, skip, groups * 3);
                }
            }
        }
    }
}
