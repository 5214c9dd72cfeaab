using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace SmtpTools
{
    /// <summary>
    /// What a server advertised in one EHLO reply (RFC 5321 4.1.1.1), raw and parsed.
    /// Get-SmtpCapability keeps one of these from before STARTTLS and one from after.
    /// </summary>
    public sealed class SmtpExtensions
    {
        private SmtpExtensions(string greetingName, IReadOnlyList<string> keywords)
        {
            GreetingName = greetingName;
            Keywords = SmtpList<string>.From(keywords);
        }

        /// <summary>The first line of the EHLO reply: the name the server gave itself.</summary>
        public string GreetingName { get; }

        /// <summary>Every extension line as the server sent it ("SIZE 10240000", "AUTH PLAIN LOGIN").</summary>
        public IReadOnlyList<string> Keywords { get; }

        /// <summary>The SIZE limit in bytes (RFC 1870), 0 when SIZE is advertised without a limit, null when not advertised.</summary>
        public long? SizeLimit { get; private set; }

        /// <summary>STARTTLS advertised (RFC 3207).</summary>
        public bool StartTls { get; private set; }

        /// <summary>PIPELINING (RFC 2920).</summary>
        public bool Pipelining { get; private set; }

        /// <summary>8BITMIME (RFC 6152).</summary>
        public bool EightBitMime { get; private set; }

        /// <summary>SMTPUTF8 (RFC 6531).</summary>
        public bool SmtpUtf8 { get; private set; }

        /// <summary>CHUNKING (RFC 3030).</summary>
        public bool Chunking { get; private set; }

        /// <summary>BINARYMIME (RFC 3030).</summary>
        public bool BinaryMime { get; private set; }

        /// <summary>DSN (RFC 3461).</summary>
        public bool Dsn { get; private set; }

        /// <summary>ENHANCEDSTATUSCODES (RFC 2034).</summary>
        public bool EnhancedStatusCodes { get; private set; }

        /// <summary>REQUIRETLS (RFC 8689).</summary>
        public bool RequireTls { get; private set; }

        /// <summary>The SASL mechanisms after AUTH (also from the obsolete "AUTH=" form), upper case, in server order.</summary>
        public IReadOnlyList<string> AuthMechanisms { get => _authMechanisms; private set => _authMechanisms = SmtpList<string>.From(value); }

        private IReadOnlyList<string> _authMechanisms = SmtpList<string>.Empty;

        /// <summary>Parses the lines of a 250 EHLO reply: the first names the server, the rest are extensions.</summary>
        public static SmtpExtensions Parse(IReadOnlyList<string> replyLines)
        {
            if (replyLines is null)
            {
                throw new ArgumentNullException(nameof(replyLines));
            }

            var name = replyLines.Count > 0 ? replyLines[0].Split(' ')[0] : string.Empty;
            var keywords = replyLines.Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            var result = new SmtpExtensions(name, keywords);
            var mechanisms = new List<string>();
            foreach (var line in keywords)
            {
                var parts = line.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
                var keyword = parts[0].ToUpperInvariant();
                var args = parts.Skip(1).ToArray();
                if (keyword.StartsWith("AUTH=", StringComparison.Ordinal))
                {
                    args = new[] { keyword.Substring(5) }.Concat(args).ToArray();
                    keyword = "AUTH";
                }

                switch (keyword)
                {
                    case "SIZE":
                        result.SizeLimit = args.Length > 0 && long.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : 0;
                        break;
                    case "STARTTLS": result.StartTls = true; break;
                    case "PIPELINING": result.Pipelining = true; break;
                    case "8BITMIME": result.EightBitMime = true; break;
                    case "SMTPUTF8": result.SmtpUtf8 = true; break;
                    case "CHUNKING": result.Chunking = true; break;
                    case "BINARYMIME": result.BinaryMime = true; break;
                    case "DSN": result.Dsn = true; break;
                    case "ENHANCEDSTATUSCODES": result.EnhancedStatusCodes = true; break;
                    case "REQUIRETLS": result.RequireTls = true; break;
                    case "AUTH":
                        foreach (var m in args.Select(a => a.ToUpperInvariant()))
                        {
                            if (!mechanisms.Contains(m))
                            {
                                mechanisms.Add(m);
                            }
                        }

                        break;
                }
            }

            result.AuthMechanisms = mechanisms;
            return result;
        }

        /// <inheritdoc />
        public override string ToString() => string.Join(", ", Keywords);
    }
}
