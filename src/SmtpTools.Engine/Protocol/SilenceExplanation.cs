namespace SmtpTools.Protocol
{
    /// <summary>What a clear-text EHLO on a second connection found on a port that stayed silent and did no TLS.</summary>
    internal sealed class SilenceExplanation
    {
        public SilenceExplanation(SmtpReply? smtpReply, string? notSmtp)
        {
            SmtpReply = smtpReply;
            NotSmtp = notSmtp;
        }

        /// <summary>An SMTP reply to our EHLO: a server that speaks only after the client, or greets very late.</summary>
        public SmtpReply? SmtpReply { get; }

        /// <summary>What answered instead of SMTP, printable; null when it was SMTP.</summary>
        public string? NotSmtp { get; }
    }
}
