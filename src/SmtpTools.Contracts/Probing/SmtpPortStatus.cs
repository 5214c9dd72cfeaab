namespace SmtpTools
{
    /// <summary>What happened when a port was probed.</summary>
    public enum SmtpPortStatus
    {
        /// <summary>An SMTP server answered; see the security mode.</summary>
        Open = 0,

        /// <summary>Nothing listens: the connection was refused.</summary>
        Closed,

        /// <summary>No answer to the connection within the timeout: filtered by a firewall, or the host is down.</summary>
        Filtered,

        /// <summary>The connection was accepted but the server never said anything, neither in clear nor inside TLS.</summary>
        NoResponse,

        /// <summary>Something answered, but not SMTP (an HTTP or SSH server, or garbage).</summary>
        NotSmtp,

        /// <summary>SMTP answered but TLS failed: the handshake broke, or the certificate was rejected.</summary>
        TlsFailed,

        /// <summary>The host name did not resolve.</summary>
        NameNotResolved,
    }
}
