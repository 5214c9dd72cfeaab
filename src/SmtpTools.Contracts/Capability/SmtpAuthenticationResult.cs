namespace SmtpTools
{
    /// <summary>The outcome of verifying a credential with AUTH (RFC 4954).</summary>
    public enum SmtpAuthenticationResult
    {
        /// <summary>No credential was given, or the session broke off before AUTH: nothing was sent.</summary>
        NotAttempted = 0,

        /// <summary>The server accepted the credential (235).</summary>
        Succeeded = 1,

        /// <summary>The server rejected the credential (535 or another error reply).</summary>
        Failed = 2,

        /// <summary>The server offers neither PLAIN nor LOGIN (or no AUTH at all) inside TLS: nothing was sent.</summary>
        NoUsableMechanism = 3,

        /// <summary>Not sent: the session is not encrypted, and a password never crosses the network in clear.</summary>
        WithheldNotEncrypted = 4,

        /// <summary>Not sent: the server's certificate is not acceptable (see Certificate); trust its CA or use -SkipCertificateCheck.</summary>
        WithheldCertificateRejected = 5,

        /// <summary>The credential was sent inside TLS, but the connection broke or timed out before the server answered: no verdict either way.</summary>
        Interrupted = 6,
    }
}
