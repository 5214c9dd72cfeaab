using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmtpTools.Discovery
{
    /// <summary>Parses -DnsServer: an IP address with an optional port ("192.0.2.53", "192.0.2.53:5353", "::1", "[::1]:5353").</summary>
    public static class DnsServerAddress
    {
        /// <summary>The DNS port (RFC 1035 4.2).</summary>
        public const int DefaultPort = 53;

        /// <summary>Parses <paramref name="text"/>; false (with the reason) for a host name, a bad address or port.</summary>
        public static bool TryParse(string? text, out IPEndPoint? endpoint, out string problem)
        {
            endpoint = null;
            var value = (text ?? string.Empty).Trim();
            var port = DefaultPort;
            string address;
            if (value.StartsWith("[", System.StringComparison.Ordinal))
            {
                var close = value.IndexOf(']');
                if (close < 0 || (close < value.Length - 1 && (value[close + 1] != ':' || !TryPort(value.Substring(close + 2), out port))))
                {
                    problem = "write an IPv6 address with a port as [address]:port";
                    return false;
                }

                address = value.Substring(1, close - 1);
            }
            else if (value.Split(':').Length == 2)
            {
                address = value.Substring(0, value.IndexOf(':'));
                if (!TryPort(value.Substring(address.Length + 1), out port))
                {
                    problem = "the port must be a number from 1 to 65535";
                    return false;
                }
            }
            else
            {
                address = value;
            }

            if (!IPAddress.TryParse(address, out var ip) || (ip.AddressFamily != AddressFamily.InterNetwork && ip.AddressFamily != AddressFamily.InterNetworkV6)
                || (ip.AddressFamily == AddressFamily.InterNetwork && address.Split('.').Length != 4))
            {
                problem = "a DNS server is named by its IP address (a name would need DNS to find it)";
                return false;
            }

            endpoint = new IPEndPoint(ip, port);
            problem = string.Empty;
            return true;
        }

        /// <summary>"192.0.2.53:53", "[::1]:5353".</summary>
        public static string Format(IPEndPoint endpoint) =>
            endpoint.AddressFamily == AddressFamily.InterNetworkV6
                ? $"[{endpoint.Address}]:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}"
                : $"{endpoint.Address}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}";

        private static bool TryPort(string text, out int port) =>
            int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port >= 1 && port <= 65535;
    }
}
