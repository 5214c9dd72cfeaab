using System;

namespace SmtpTools
{
    /// <summary>A failure talking to an SMTP endpoint, classified so callers can react to the kind, not the text.</summary>
    public sealed class SmtpConnectionException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public SmtpConnectionException(SmtpFailureKind kind, string message, Exception? innerException = null, int replyCode = 0)
            : base(message, innerException)
        {
            Kind = kind;
            ReplyCode = replyCode;
        }

        /// <summary>What went wrong.</summary>
        public SmtpFailureKind Kind { get; }

        /// <summary>The SMTP reply code involved, or 0.</summary>
        public int ReplyCode { get; }
    }
}
