using System;

namespace SmtpTools.Protocol
{
    /// <summary>The defaults every cmdlet and every engine option share: one EHLO name, one timeout, one greeting wait.</summary>
    internal static class SmtpDefaults
    {
        /// <summary>The name sent with EHLO when the user gives none: this machine's host name (RFC 5321 4.1.4), else "localhost".</summary>
        public static readonly string HeloName = LocalHostName();

        /// <summary>The bound on each network step.</summary>
        public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

        /// <summary>How long a silent port is given to greet before it is taken for implicit TLS.</summary>
        public static readonly TimeSpan GreetingWait = TimeSpan.FromSeconds(1);

        private static string LocalHostName()
        {
            try
            {
                var name = System.Net.Dns.GetHostName();
                return string.IsNullOrWhiteSpace(name) ? "localhost" : name;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return "localhost";
            }
        }
    }
}
