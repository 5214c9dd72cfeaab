using System.Collections.Generic;
using System.Net.Mail;
using System.Text;

namespace SmtpTools
{
    /// <summary>
    /// A message as the user describes it, in Send-MailMessage's terms. Nothing is checked here:
    /// <see cref="PreparedMessage.Create"/> validates it and builds the MIME message.
    /// </summary>
    public sealed class OutgoingMessage
    {
        /// <summary>The sender: one address, optionally with a display name ("Ops &lt;ops@example.com&gt;").</summary>
        public string From { get; set; } = string.Empty;

        /// <summary>Recipients; each entry may hold several comma-separated addresses.</summary>
        public IList<string> To { get; set; } = new List<string>();

        /// <summary>Carbon-copy recipients.</summary>
        public IList<string> Cc { get; set; } = new List<string>();

        /// <summary>Blind carbon-copy recipients: in the envelope only, never in a header.</summary>
        public IList<string> Bcc { get; set; } = new List<string>();

        /// <summary>Reply-To addresses.</summary>
        public IList<string> ReplyTo { get; set; } = new List<string>();

        /// <summary>The subject (no CR or LF).</summary>
        public string? Subject { get; set; }

        /// <summary>The body: plain text, or HTML when <see cref="BodyAsHtml"/> is set.</summary>
        public string? Body { get; set; }

        /// <summary>Treat <see cref="Body"/> as HTML (Send-MailMessage's -BodyAsHtml).</summary>
        public bool BodyAsHtml { get; set; }

        /// <summary>An HTML body; with a text <see cref="Body"/> both are sent as multipart/alternative.</summary>
        public string? HtmlBody { get; set; }

        /// <summary>Full paths of files to attach. They are streamed from disk when sent.</summary>
        public IList<string> Attachments { get; set; } = new List<string>();

        /// <summary>Inline parts (images) for the HTML body: content id ("logo", used as src="cid:logo") to full path.</summary>
        public IDictionary<string, string> InlineAttachments { get; set; } = new Dictionary<string, string>();

        /// <summary>Extra header fields. Names must be RFC 5322 field names, values single lines.</summary>
        public IDictionary<string, string> Headers { get; set; } = new Dictionary<string, string>();

        /// <summary>Normal, Low or High: sets X-Priority, Priority and Importance as Send-MailMessage does.</summary>
        public MailPriority Priority { get; set; } = MailPriority.Normal;

        /// <summary>Delivery status notifications to request (RFC 3461) when the server offers DSN.</summary>
        public DeliveryNotificationOptions DeliveryNotification { get; set; } = DeliveryNotificationOptions.None;

        /// <summary>The character set of the body and subject; UTF-8 when null.</summary>
        public Encoding? Encoding { get; set; }
    }
}
