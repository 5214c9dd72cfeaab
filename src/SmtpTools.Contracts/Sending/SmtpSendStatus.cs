namespace SmtpTools
{
    /// <summary>What became of one message.</summary>
    public enum SmtpSendStatus
    {
        /// <summary>The server accepted the message for every recipient.</summary>
        Sent = 0,

        /// <summary>The server accepted the message for some recipients and refused others (see RejectedRecipients).</summary>
        PartiallySent = 1,

        /// <summary>The message was not accepted for any recipient: nothing was sent.</summary>
        Failed = 2,

        /// <summary>
        /// The connection broke after the whole message was transmitted, before the server's answer: it may or may
        /// not have been accepted. Check the recipient's mailbox before sending again.
        /// </summary>
        OutcomeUnknown = 3,
    }
}
