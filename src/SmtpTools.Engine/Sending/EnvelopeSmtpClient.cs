using System.Collections.Generic;
using System.Threading;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace SmtpTools.Sending
{
    /// <summary>
    /// MailKit's SmtpClient, told to report each recipient's answer instead of throwing on the first refusal, to ask
    /// for the DSN the message wants, and to say how far the message data got.
    /// </summary>
    internal sealed class EnvelopeSmtpClient : SmtpClient, ITransferProgress
    {
        public EnvelopeSmtpClient(IProtocolLogger logger)
            : base(logger)
        {
        }

        public SendStage Stage { get; set; }

        public DeliveryStatusNotification? Notify { get; set; }

        public string? EnvelopeId { get; set; }

        /// <summary>"host:port", for the message of a refusal this client raises itself.</summary>
        public string Endpoint { get; set; } = string.Empty;

        public List<MailboxAddress> Accepted { get; } = new List<MailboxAddress>();

        public List<(MailboxAddress Mailbox, int Code, string Response)> Rejected { get; } = new List<(MailboxAddress, int, string)>();

        /// <summary>Clears what the last attempt recorded.</summary>
        public void BeginAttempt(DeliveryStatusNotification? notify, string? envelopeId)
        {
            Notify = notify;
            EnvelopeId = envelopeId;
            Accepted.Clear();
            Rejected.Clear();
            Stage = SendStage.Envelope;
        }

        /// <inheritdoc />
        public void Report(long bytesTransferred, long totalSize)
        {
            Stage = bytesTransferred >= totalSize ? SendStage.DataComplete : SendStage.Data;
        }

        /// <inheritdoc />
        public void Report(long bytesTransferred) => Stage = SendStage.Data;

        /// <summary>
        /// MailKit measures the message before MAIL FROM whenever the server advertises SIZE, to declare it (SIZE=n,
        /// RFC 1870 6); a message over the advertised limit is refused here, before MAIL FROM, instead of being sent
        /// whole only to be answered 552.
        /// </summary>
        /// <exception cref="SmtpConnectionException">MessageTooLarge.</exception>
        protected override long GetSize(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
        {
            var size = base.GetSize(options, message, cancellationToken);
            if ((Capabilities & SmtpCapabilities.Size) != 0 && MaxSize > 0 && size > MaxSize)
            {
                throw SendFailure.TooLarge(Endpoint, size, MaxSize).ToException();
            }

            return size;
        }

        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) => Notify;

        protected override string? GetEnvelopeId(MimeMessage message) => Notify.HasValue ? EnvelopeId : null;

        protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) => Accepted.Add(mailbox);

        // Not throwing lets the other recipients go through; MailKit itself fails the message when none is accepted.
        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Rejected.Add((mailbox, (int)response.StatusCode, response.Response));
    }
}
