using System;

namespace SmtpTools.Protocol
{
    /// <summary>The defaults every cmdlet shares, so Test-SmtpPort, Get-SmtpCapability and Send-SecureMail say the same EHLO and wait as long.</summary>
    internal static class SmtpDefaults
    {
        /// <summary>The name sent with EHLO when the user gives none (RFC 5321 4.1.4 wants a name; ours is one nobody owns).</summary>
        public const string HeloName = "smtptools.localhost";

        /// <summary>The bound on each network step.</summary>
        public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

        /// <summary>How long a silent port is given to greet before it is taken for implicit TLS.</summary>
        public static readonly TimeSpan GreetingWait = TimeSpan.FromSeconds(1);
    }
}
