using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;

namespace SmtpTools.Tls
{
    /// <summary>
    /// A certificate's subject alternative names ready for matching host names (RFC 9525 6.3): DNS names in ASCII,
    /// wildcards as the suffix they cover, IP SANs as addresses. Built once per certificate, so matching a sweep's
    /// thousands of host names against a certificate of a hundred names allocates nothing per name.
    /// </summary>
    internal sealed class CertificateNameSet
    {
        private readonly HashSet<string> _exact = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly List<string> _wildcardSuffixes = new List<string>();
        private readonly List<IPAddress> _addresses = new List<IPAddress>();

        /// <param name="subjectAlternativeNames">"DNS:name", "IP:address" (others are kept for display only).</param>
        public CertificateNameSet(IReadOnlyList<string> subjectAlternativeNames)
        {
            foreach (var name in subjectAlternativeNames)
            {
                if (name.StartsWith("IP:", StringComparison.Ordinal))
                {
                    if (IPAddress.TryParse(name.Substring(3), out var address))
                    {
                        _addresses.Add(address);
                    }
                }
                else if (name.StartsWith("DNS:", StringComparison.Ordinal))
                {
                    var pattern = ToAscii(name.Substring(4).Trim().TrimEnd('.'));
                    if (pattern.StartsWith("*.", StringComparison.Ordinal))
                    {
                        _wildcardSuffixes.Add(pattern.Substring(1)); // ".example.com"
                    }
                    else
                    {
                        _exact.Add(pattern);
                    }
                }
            }
        }

        /// <summary>
        /// DNS names from the SAN only (a wildcard covers exactly one left-most label, never directly under a single
        /// label such as "*.com"), IP literals only against IP SANs. The subject CN is never used.
        /// </summary>
        public bool Matches(string hostName)
        {
            if (string.IsNullOrWhiteSpace(hostName))
            {
                return false;
            }

            var host = hostName.Trim().TrimEnd('.');
            if (host.StartsWith("[", StringComparison.Ordinal) && host.EndsWith("]", StringComparison.Ordinal))
            {
                host = host.Substring(1, host.Length - 2);
            }

            if (IPAddress.TryParse(host, out var address))
            {
                return _addresses.Contains(address);
            }

            host = ToAscii(host);
            if (_exact.Contains(host))
            {
                return true;
            }

            foreach (var suffix in _wildcardSuffixes)
            {
                var label = host.Length - suffix.Length;
                if (label > 0 && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && host.IndexOf('.', 0, label) < 0 && suffix.IndexOf('.', 1) > 0)
                {
                    return true;
                }
            }

            return false;
        }

        private static string ToAscii(string name)
        {
            try
            {
                return new IdnMapping().GetAscii(name);
            }
            catch (ArgumentException)
            {
                return name;
            }
        }
    }
}
