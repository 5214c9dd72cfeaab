using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace SmtpTools.DomainSecurity
{
    /// <summary>
    /// The text formats of MTA-STS (RFC 8461 3.1 TXT record, 3.2 policy) and TLS-RPT (RFC 8460 3 TXT record), and the
    /// MTA-STS mx pattern match (RFC 8461 4.1). Pure functions: no I/O.
    /// </summary>
    internal static class TransportPolicySyntax
    {
        /// <summary>RFC 8461 3.2: max_age is at most 31557600 seconds (about a year).</summary>
        public const int MaxAgeLimitSeconds = 31557600;

        private static readonly Regex StsId = new Regex(@"^[A-Za-z0-9]{1,32}\z", RegexOptions.CultureInvariant);
        private static readonly Regex PolicyLine = new Regex(@"^([A-Za-z0-9_]+)[ \t]*:[ \t]*([\x21-\x7E]([\x20-\x7E]*[\x21-\x7E])?)?[ \t]*\z", RegexOptions.CultureInvariant);
        private static readonly Regex Pattern = new Regex(@"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9\-]{1,63}\z", RegexOptions.CultureInvariant);

        /// <summary>The fields of a "v=...; k=v; ..." record (RFC 8461 3.1, RFC 8460 3), or null with the problem when it is malformed.</summary>
        public static IReadOnlyList<KeyValuePair<string, string>>? Fields(string record, out string? problem)
        {
            var fields = new List<KeyValuePair<string, string>>();
            foreach (var part in record.Split(';'))
            {
                var field = part.Trim(' ', '\t');
                if (field.Length == 0)
                {
                    continue; // a trailing ";" and empty fields are allowed
                }

                var equals = field.IndexOf('=');
                if (equals <= 0)
                {
                    problem = $"the field \"{Printable(field)}\" is not name=value";
                    return null;
                }

                fields.Add(new KeyValuePair<string, string>(field.Substring(0, equals).Trim(), field.Substring(equals + 1).Trim()));
            }

            problem = null;
            return fields;
        }

        /// <summary>The id of an _mta-sts record, or null with the problem (RFC 8461 3.1: "v=STSv1" first, one id of 1-32 letters and digits).</summary>
        public static string? StsRecordId(string record, out string? problem)
        {
            var id = OneField(record, "STSv1", "id", "senders use the id to know when to refetch the policy", out problem);
            if (id != null && !StsId.IsMatch(id))
            {
                problem = $"its id \"{Printable(id)}\" is not 1-32 letters and digits";
                return null;
            }

            return id;
        }

        /// <summary>The rua URIs of an _smtp._tls record, or null with the problem (RFC 8460 3: "v=TLSRPTv1" first, rua of mailto: or https: URIs).</summary>
        public static IReadOnlyList<string>? TlsRptTargets(string record, out string? problem)
        {
            var rua = OneField(record, "TLSRPTv1", "rua", "where reports go", out problem);
            if (rua == null)
            {
                return null;
            }

            var targets = rua.Split(',').Select(t => t.Trim()).ToList();
            foreach (var target in targets)
            {
                if (Protocol.SmtpReplyReader.Printable(target, target.Length + 1) != target || !Uri.TryCreate(target, UriKind.Absolute, out var uri) || (uri.Scheme != "mailto" && uri.Scheme != Uri.UriSchemeHttps))
                {
                    problem = $"its rua target \"{Printable(target)}\" is neither a mailto: nor an https: URI";
                    return null;
                }
            }

            return targets;
        }

        // The value of the one field called name in a record that starts with v=version; null with the problem otherwise.
        private static string? OneField(string record, string version, string name, string purpose, out string? problem)
        {
            var fields = Fields(record, out problem);
            if (fields == null)
            {
                return null;
            }

            if (fields.Count == 0 || fields[0].Key != "v" || fields[0].Value != version)
            {
                problem = $"it does not start with v={version}";
                return null;
            }

            var matches = fields.Where(f => f.Key == name).ToList();
            if (matches.Count != 1)
            {
                problem = matches.Count == 0 ? $"it has no {name} field ({purpose})" : $"it has more than one {name} field";
                return null;
            }

            return matches[0].Value;
        }

        /// <summary>Parses a policy (RFC 8461 3.2) into <paramref name="policy"/>; false with <see cref="MtaStsPolicy.Problem"/> set when senders cannot use it.</summary>
        public static bool ParsePolicy(string text, MtaStsPolicy policy)
        {
            string? version = null, mode = null, maxAge = null;
            var mx = new List<string>();
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimEnd('\r');
                if (line.Length == 0)
                {
                    continue;
                }

                var match = PolicyLine.Match(line);
                if (!match.Success)
                {
                    policy.Problem = $"the policy line \"{Printable(line)}\" is not \"key: value\"";
                    return false;
                }

                var value = match.Groups[2].Value;
                switch (match.Groups[1].Value)
                {
                    case "version": version ??= value; break;
                    case "mode": mode ??= value; break;
                    case "max_age": maxAge ??= value; break;
                    case "mx": mx.Add(value); break;
                    // Unknown keys are ignored (RFC 8461 3.2: extensions).
                }
            }

            if (version != "STSv1")
            {
                policy.Problem = "the policy does not say version: STSv1";
                return false;
            }

            MtaStsMode parsed;
            switch (mode)
            {
                case "enforce": parsed = MtaStsMode.Enforce; break;
                case "testing": parsed = MtaStsMode.Testing; break;
                case "none": parsed = MtaStsMode.None; break;
                default:
                    policy.Problem = mode == null ? "the policy has no mode" : $"the policy's mode \"{Printable(mode)}\" is not enforce, testing or none";
                    return false;
            }

            if (maxAge == null || !int.TryParse(maxAge, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxAgeLimitSeconds)
            {
                policy.Problem = maxAge == null ? "the policy has no max_age" : $"the policy's max_age \"{Printable(maxAge)}\" is not a number of seconds up to {MaxAgeLimitSeconds}";
                return false;
            }

            var bad = mx.FirstOrDefault(p => !Pattern.IsMatch(p));
            if (bad != null)
            {
                policy.Problem = $"the policy's mx pattern \"{Printable(bad)}\" is not a host name or *.domain";
                return false;
            }

            if (mx.Count == 0 && parsed != MtaStsMode.None)
            {
                policy.Problem = "the policy names no mx, so no MX host could ever match it";
                return false;
            }

            policy.Mode = parsed;
            policy.MaxAge = TimeSpan.FromSeconds(seconds);
            policy.MxPatterns = mx;
            return true;
        }

        /// <summary>RFC 8461 4.1: an exact name, or "*.suffix" covering exactly one more label on the left; case-insensitive.</summary>
        public static bool MxMatches(string pattern, string host)
        {
            var name = host.TrimEnd('.');
            var p = pattern.TrimEnd('.');
            if (!p.StartsWith("*.", StringComparison.Ordinal))
            {
                return string.Equals(p, name, StringComparison.OrdinalIgnoreCase);
            }

            var suffix = p.Substring(1);
            if (!name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            var label = name.Substring(0, name.Length - suffix.Length);
            return label.Length > 0 && label.IndexOf('.') < 0;
        }

        /// <summary>Record text as it may reach a terminal: control characters replaced, at most 600 characters.</summary>
        public static string ForDisplay(string record) => Protocol.SmtpReplyReader.Printable(record, 600);

        private static string Printable(string text) => Protocol.SmtpReplyReader.Printable(text, 80);
    }
}
