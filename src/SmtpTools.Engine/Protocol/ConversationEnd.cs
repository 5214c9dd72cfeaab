namespace SmtpTools.Protocol
{
    /// <summary>Where a conversation stops and hands the connection over (or closes it).</summary>
    internal enum ConversationEnd
    {
        /// <summary>After "220" to STARTTLS, before any TLS byte: the caller runs its own handshake (the TLS version scanner).</summary>
        BeforeHandshake = 0,

        /// <summary>
        /// TLS is up and the greeting known (read inside implicit TLS, or the clear one before STARTTLS), nothing past it
        /// read: the caller speaks SMTP from here (the send path hands the stream to MailKit).
        /// </summary>
        TlsReady,

        /// <summary>The whole conversation: EHLO again inside TLS, the AUTH hook, QUIT (the probe and the audit).</summary>
        Quit,
    }
}
