namespace SmtpTools
{
    /// <summary>A recipient the server refused, with its answer.</summary>
    public sealed class SmtpRejectedRecipient
    {
        internal SmtpRejectedRecipient(string address, int replyCode, string response)
        {
            Address = address;
            ReplyCode = replyCode;
            Response = response;
        }

        /// <summary>The address as given in RCPT TO.</summary>
        public string Address { get; }

        /// <summary>The SMTP reply code (550, 450...).</summary>
        public int ReplyCode { get; }

        /// <summary>The server's reply text, usually with an enhanced status code (5.1.1 ...).</summary>
        public string Response { get; }

        /// <summary>True for a 5xx reply: trying again will not help.</summary>
        public bool IsPermanent => ReplyCode >= 500;

        /// <inheritdoc />
        public override string ToString() => $"{Address}: {ReplyCode} {Response}";
    }
}
