using System;
using System.Globalization;
using System.Linq;
using System.Net;

namespace SmtpTools.Probing
{
    /// <summary>
    /// Says whether text can be a host name or an address before anything is looked up: a name with a space, a URL, an
    /// e-mail address or "host:port" would otherwise go to DNS as it is (a query that cannot succeed, sent to whatever
    /// resolver the machine uses) and come back as a puzzling "not found". Names are checked as DNS names (RFC 1123 2.1,
    /// underscores tolerated as intranets use them; international names through IDNA).
    /// </summary>
    internal static class HostNameSyntax
    {
        private const int MaxNameLength = 253;
        private const int MaxLabelLength = 63;

        /// <summary>What is wrong with <paramref name="host"/> as a host name or address, in words with what to do; null when nothing is.</summary>
        public static string? FindProblem(string? host)
        {
            var text = (host ?? string.Empty).Trim();
            if (text.Length == 0)
            {
                return "it is empty: name the server (mail.example.com) or give its address";
            }

            if (text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            {
                return "it contains a space, tab, line break or control character";
            }

            if (IPAddress.TryParse(text.TrimStart('[').TrimEnd(']'), out _))
            {
                return null;
            }

            if (text.IndexOf("://", StringComparison.Ordinal) >= 0)
            {
                return "it is a URL: give only the host name (mail.example.com)";
            }

            if (text.IndexOf('@') >= 0)
            {
                return "it is an e-mail address: give the name of the mail server, not a mailbox";
            }

            if (text.IndexOf(':') >= 0)
            {
                return "a host name has no ':'; give the port with -Port, not as host:port";
            }

            var ascii = text.TrimEnd('.');
            if (ascii.Any(c => c > 127))
            {
                try
                {
                    ascii = new IdnMapping().GetAscii(ascii);
                }
                catch (ArgumentException)
                {
                    return "it is not a valid international domain name (invalid characters, malformed Unicode, or a part too long)";
                }
            }

            if (ascii.Length > MaxNameLength)
            {
                return $"it is longer than {MaxNameLength.ToString(CultureInfo.InvariantCulture)} characters";
            }

            foreach (var label in ascii.Split('.'))
            {
                if (label.Length == 0)
                {
                    return "it has an empty label (two dots in a row, or a leading dot)";
                }

                if (label.Length > MaxLabelLength)
                {
                    return $"a part between dots is longer than {MaxLabelLength.ToString(CultureInfo.InvariantCulture)} characters";
                }

                if (label.Any(c => !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) || label[0] == '-' || label[label.Length - 1] == '-')
                {
                    return "it contains characters a host name cannot have (letters, digits, '-' and '.' only)";
                }
            }

            return null;
        }

        /// <summary>The failure for a host name with a problem: NameNotResolved, since it cannot resolve, with the reason and that nothing was looked up.</summary>
        public static SmtpConnectionException Invalid(string? host, string problem) =>
            new SmtpConnectionException(SmtpFailureKind.NameNotResolved, $"'{Protocol.SmtpReplyReader.Printable(host ?? string.Empty, 80)}' is not a valid host name: {problem}. Nothing was looked up or contacted.");
    }
}
