namespace SmtpTools.Sending
{
    /// <summary>How far one attempt got: decides whether a failure may be retried safely.</summary>
    internal enum SendStage
    {
        /// <summary>TCP, greeting, EHLO, TLS.</summary>
        Connecting = 0,

        /// <summary>SMTP AUTH.</summary>
        Authenticating,

        /// <summary>MAIL FROM, RCPT TO, DATA: nothing delivered yet, a retry is safe.</summary>
        Envelope,

        /// <summary>Message data partly written: without the final dot the server discards it, a retry is safe.</summary>
        Data,

        /// <summary>All message data written: from here a broken connection leaves the outcome unknown.</summary>
        DataComplete,
    }
}
