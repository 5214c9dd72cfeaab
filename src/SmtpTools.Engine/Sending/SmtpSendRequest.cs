using System;

namespace SmtpTools
{
    /// <summary>One message checked by <see cref="SmtpSendBatch.Prepare"/>: ready to send, or refused before any connection.</summary>
    public sealed class SmtpSendRequest : IDisposable
    {
        internal SmtpSendRequest(PreparedMessage message, SmtpSendOptions options, string description)
        {
            Message = message;
            Options = options;
            Description = description;
        }

        private SmtpSendRequest(SmtpSendResult refusal)
        {
            Refusal = refusal;
            Options = new SmtpSendOptions();
            Description = string.Empty;
        }

        /// <summary>The message ready to send; null when refused.</summary>
        public PreparedMessage? Message { get; }

        /// <summary>Where and how it is sent.</summary>
        public SmtpSendOptions Options { get; }

        /// <summary>What sending it does, in words, for confirmations.</summary>
        public string Description { get; }

        /// <summary>The failed result of a message refused before connecting; its exception (an <see cref="SmtpConnectionException"/>, <see cref="SmtpMessageException"/> or <see cref="ArgumentException"/>) says why.</summary>
        public SmtpSendResult? Refusal { get; }

        internal static SmtpSendRequest Refused(SmtpSendResult refusal) => new SmtpSendRequest(refusal);

        /// <summary>Releases the attachment files.</summary>
        public void Dispose() => Message?.Dispose();
    }
}
