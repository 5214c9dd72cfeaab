namespace SmtpTools
{
    /// <summary>Why talking to an SMTP endpoint failed. Each kind maps to one stable PowerShell error id.</summary>
    public enum SmtpFailureKind
    {
        /// <summary>No failure.</summary>
        None = 0,

        /// <summary>The host name did not resolve to any address.</summary>
        NameNotResolved,

        /// <summary>The host answered the connection with a reset: nothing listens on that port.</summary>
        ConnectionRefused,

        /// <summary>No answer within the timeout: a firewall dropping packets, or a server that never speaks.</summary>
        TimedOut,

        /// <summary>The server closed the connection unexpectedly.</summary>
        ConnectionClosed,

        /// <summary>The peer does not speak SMTP (an HTTP or SSH server, or garbage).</summary>
        NotSmtp,

        /// <summary>The TLS handshake failed (protocol or cipher mismatch, aborted handshake).</summary>
        TlsHandshakeFailed,

        /// <summary>The server's certificate failed verification.</summary>
        CertificateRejected,

        /// <summary>STARTTLS is required but the server did not offer it.</summary>
        StartTlsNotOffered,

        /// <summary>The server offered STARTTLS but refused the command.</summary>
        StartTlsRefused,

        /// <summary>The server answered an SMTP command with an error.</summary>
        CommandRejected,

        /// <summary>Authentication failed or no usable mechanism was offered.</summary>
        AuthenticationFailed,

        /// <summary>The request would send a secret or message without encryption and the user did not allow it.</summary>
        EncryptionRequired,

        /// <summary>The server broke the protocol.</summary>
        ProtocolError,

        /// <summary>The server refused one or more recipients (RCPT TO).</summary>
        RecipientRejected,

        /// <summary>The server refused the sender (MAIL FROM) or the message itself (after DATA).</summary>
        MessageRejected,

        /// <summary>The connection broke after the whole message was sent: the server may or may not have accepted it.</summary>
        OutcomeUnknown,

        /// <summary>The request needs an SMTP extension the server does not offer (REQUIRETLS, SMTPUTF8, an AUTH mechanism).</summary>
        ExtensionNotSupported,

        /// <summary>The message itself is invalid (bad address, missing attachment, header injection): refused before any connection.</summary>
        InvalidMessage,

        /// <summary>
        /// The port speaks another security mode than the one asked for (-Security StartTls on an implicit-TLS port, or
        /// ImplicitTls on one that greets in clear); the message names the mode it speaks. Never retried.
        /// </summary>
        SecurityMismatch,

        /// <summary>The identity provider did not issue an access token (client secret revoked, certificate unknown, consent missing, sign-in declined).</summary>
        TokenRequestFailed,

        /// <summary>
        /// The message is larger than the server's advertised limit (EHLO SIZE, RFC 1870): refused before MAIL FROM, so
        /// no data was sent. Never retried.
        /// </summary>
        MessageTooLarge,
    }
}
