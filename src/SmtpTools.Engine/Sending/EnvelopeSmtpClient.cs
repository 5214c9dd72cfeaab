using System.Collections.Generic;
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

        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) => Notify;

        protected override string? GetEnvelopeId(MimeMessage message) => Notify.HasValue ? EnvelopeId : null;

        protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) => Accepted.Add(mailbox);

        // Not throwing lets the other recipients go through; MailKit itself fails the message when none is accepted.
        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Rejected.Add((mailbox, (int)response.StatusCode, response.Response));
    }
}
