namespace SmtpTools.Protocol
{
    /// <summary>The steps of one SMTP conversation, in order; a failure records the step it happened in.</summary>
    internal enum ConversationStep
    {
        /// <summary>Opening the TCP connection.</summary>
        Connect = 0,

        /// <summary>Waiting for the plaintext greeting, or finding that the port stays silent.</summary>
        Greeting,

        /// <summary>EHLO in clear.</summary>
        Ehlo,

        /// <summary>The STARTTLS command (RFC 3207).</summary>
        StartTls,

        /// <summary>The TLS handshake (implicit TLS, or after "220" to STARTTLS).</summary>
        Handshake,

        /// <summary>The greeting inside implicit TLS.</summary>
        GreetingInsideTls,

        /// <summary>EHLO inside TLS.</summary>
        EhloAfterTls,

        /// <summary>The caller's AUTH hook.</summary>
        Authenticate,

        /// <summary>QUIT.</summary>
        Quit,
    }
}
