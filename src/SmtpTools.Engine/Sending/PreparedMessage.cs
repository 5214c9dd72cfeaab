using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Mail;
using System.Text;
using MimeKit;
using MimeKit.Utils;
using SmtpTools.Sending;

namespace SmtpTools
{
    /// <summary>
    /// A validated message, ready to send: addresses parsed strictly, files opened for streaming, headers checked.
    /// Everything that can be wrong with the input is found here, before any connection is made. Dispose it to
    /// close the attachment files.
    /// </summary>
    public sealed class PreparedMessage : IDisposable
    {
        // Headers the parameters own: setting them through -Headers would contradict or duplicate them.
        private static readonly HashSet<string> ReservedHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version",
            "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "Content-ID", "Return-Path", "Received",
            "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Bcc", "Resent-Date", "Resent-Message-ID",
            "X-Priority", "Priority", "Importance",
        };

        private static readonly ParserOptions StrictParsing = new ParserOptions
        {
            AddressParserComplianceMode = RfcComplianceMode.Strict,
            AllowAddressesWithoutDomain = false,
            AllowUnquotedCommasInAddresses = false,
        };

        /// <summary>
        /// The most envelope recipients one message may have. RFC 5321 4.5.3.1.8 only obliges servers to take 100;
        /// Postfix's default (smtpd_recipient_limit) and Microsoft 365's per-message limit are 1,000. Above it the message
        /// is refused before any connection, rather than sent to the first thousand and refused for the rest.
        /// </summary>
        public const int MaxRecipients = 1000;

        /// <summary>The longest subject or header value, in characters: a header line's limit (RFC 5322 2.1.1). Longer ones are truncated or refused on the way.</summary>
        public const int MaxHeaderValueLength = 998;

        private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

        private static readonly char[] LineBreaksAndNul = { '\r', '\n', '\0' };

        private IReadOnlyList<string>? _recipients;

        private readonly List<Stream> _openFiles;

        private PreparedMessage(MimeMessage mime, MailboxAddress sender, IReadOnlyList<MailboxAddress> recipients, List<Stream> openFiles, DeliveryNotificationOptions notification)
        {
            Mime = mime;
            Sender = sender;
            Envelope = recipients;
            _openFiles = openFiles;
            DeliveryNotification = notification;
            NeedsSmtpUtf8 = NeedsUtf8(sender);
            for (var i = 0; i < recipients.Count && !NeedsSmtpUtf8; i++)
            {
                NeedsSmtpUtf8 = NeedsUtf8(recipients[i]);
            }
        }

        /// <summary>The Message-ID, without angle brackets.</summary>
        public string MessageId => Mime.MessageId ?? string.Empty;

        /// <summary>The sender address.</summary>
        public string From => Sender.Address;

        /// <summary>The subject.</summary>
        public string? Subject => Mime.Subject;

        /// <summary>Every envelope recipient (To, Cc, Bcc), each once.</summary>
        public IReadOnlyList<string> Recipients => _recipients ??= Envelope.Select(r => r.Address).ToList();

        /// <summary>Total size of the attached files in bytes.</summary>
        public long AttachmentBytes => _openFiles.Sum(f => f.Length);

        /// <summary>The DSN request for every recipient.</summary>
        public DeliveryNotificationOptions DeliveryNotification { get; }

        /// <summary>A sender or recipient has a non-ASCII local part: only a server with SMTPUTF8 (RFC 6531) can take it.</summary>
        public bool NeedsSmtpUtf8 { get; }

        internal MimeMessage Mime { get; }

        internal MailboxAddress Sender { get; }

        internal IReadOnlyList<MailboxAddress> Envelope { get; }

        /// <summary>Checks <paramref name="message"/> and builds the MIME message, opening attachment files for streaming.</summary>
        /// <exception cref="SmtpMessageException">Anything wrong with the input; no file stays open.</exception>
        public static PreparedMessage Create(OutgoingMessage message)
        {
            if (message == null)
            {
                throw new ArgumentNullException(nameof(message));
            }

            var files = new List<Stream>();
            try
            {
                var sender = ParseMailboxes(new[] { message.From }, "From", "From address");
                if (sender.Count != 1)
                {
                    throw new SmtpMessageException(SmtpMessageProblem.InvalidAddress, $"From must be exactly one address; got '{message.From}'.", message.From);
                }

                var to = ParseMailboxes(message.To, "To", "To address");
                var cc = ParseMailboxes(message.Cc, "Cc", "Cc address");
                var bcc = ParseMailboxes(message.Bcc, "Bcc", "Bcc address");
                var replyTo = ParseMailboxes(message.ReplyTo, "ReplyTo", "ReplyTo address");
                var envelope = EnvelopeOf(to, cc, bcc);
                if (envelope.Count == 0)
                {
                    throw new SmtpMessageException(SmtpMessageProblem.NoRecipients, "The message has no recipient: give at least one address in To, Cc or Bcc.");
                }

                if (envelope.Count > MaxRecipients)
                {
                    throw new SmtpMessageException(
                        SmtpMessageProblem.TooManyRecipients,
                        $"The message has {envelope.Count.ToString("N0", CultureInfo.InvariantCulture)} recipients; one message carries at most {MaxRecipients.ToString("N0", CultureInfo.InvariantCulture)} (the limit of Postfix's defaults and Microsoft 365; servers refuse the rest). Nothing was sent. Split the list: pipe one message per group of at most {MaxRecipients.ToString("N0", CultureInfo.InvariantCulture)} recipients.",
                        envelope.Count.ToString(CultureInfo.InvariantCulture));
                }

                var encoding = message.Encoding ?? Encoding.UTF8;
                CheckText("Subject", message.Subject, encoding);
                CheckText("Body", message.Body, encoding);
                CheckText("HtmlBody", message.HtmlBody, encoding);
                // The Message-ID names the sender's domain, not this machine; given to the constructor, MimeKit does not
                // generate one of its own first (nor a Date, which it sets to now itself).
                var messageId = MimeUtils.GenerateMessageId(AsciiDomain(sender[0].Address));
                var mime = new MimeMessage(new Header(HeaderId.MessageId, "<" + messageId + ">"));
                if (mime.MessageId != messageId)
                {
                    mime.MessageId = messageId;
                }

                mime.From.Add(sender[0]);
                mime.To.AddRange(to);
                AddAll(mime.Cc, cc);
                AddAll(mime.ReplyTo, replyTo);

                // Bcc is deliberately not a header: the recipients are given to the envelope only.
                if (message.Subject != null)
                {
                    RejectLineBreaks("Subject", message.Subject);
                    RejectOverlong("Subject", message.Subject);
                    mime.Headers.Replace(HeaderId.Subject, encoding, message.Subject);
                }

                SetPriority(mime, message.Priority);
                AddHeaders(mime, message.Headers);
                mime.Body = BuildBody(message, encoding, files);
                return new PreparedMessage(mime, sender[0], envelope, files, message.DeliveryNotification);
            }
            catch
            {
                foreach (var file in files)
                {
                    file.Dispose();
                }

                throw;
            }
        }

        /// <summary>Closes the attachment files.</summary>
        public void Dispose()
        {
            foreach (var file in _openFiles)
            {
                file.Dispose();
            }
        }

        // Every recipient once (To, Cc, Bcc, in that order; addresses compared without case), no set for the usual one.
        private static List<MailboxAddress> EnvelopeOf(List<MailboxAddress> to, List<MailboxAddress> cc, List<MailboxAddress> bcc)
        {
            var envelope = new List<MailboxAddress>(to.Count + cc.Count + bcc.Count);
            var seen = envelope.Capacity > 1 ? new HashSet<string>(StringComparer.OrdinalIgnoreCase) : null;
            foreach (var list in new[] { to, cc, bcc })
            {
                foreach (var mailbox in list)
                {
                    if (seen == null || seen.Add(mailbox.Address))
                    {
                        envelope.Add(mailbox);
                    }
                }
            }

            return envelope;
        }

        private static void AddAll(InternetAddressList list, List<MailboxAddress> mailboxes)
        {
            if (mailboxes.Count > 0)
            {
                list.AddRange(mailboxes);
            }
        }

        private static List<MailboxAddress> ParseMailboxes(IList<string>? values, string field, string what)
        {
            var result = new List<MailboxAddress>(values?.Count ?? 0);
            for (var i = 0; i < (values?.Count ?? 0); i++)
            {
                var value = values![i];
                if (string.IsNullOrWhiteSpace(value))
                {
                    continue;
                }

                if (value.IndexOfAny(LineBreaksAndNul) >= 0)
                {
                    throw new SmtpMessageException(SmtpMessageProblem.HeaderInjection, $"The {field} address '{Printable(value)}' contains a line break: refused, it would inject header lines.", value);
                }

                CheckText(what, value, StrictUtf8);

                if (!InternetAddressList.TryParse(StrictParsing, value, out var list) || list.Count == 0)
                {
                    throw new SmtpMessageException(SmtpMessageProblem.InvalidAddress, $"'{value}' in {field} is not a valid e-mail address (expected user@domain or \"Name <user@domain>\").", value);
                }

                foreach (var mailbox in list.Mailboxes)
                {
                    var at = mailbox.Address.LastIndexOf('@');
                    if (at <= 0 || at == mailbox.Address.Length - 1)
                    {
                        throw new SmtpMessageException(SmtpMessageProblem.InvalidAddress, $"'{mailbox.Address}' in {field} has no domain: use a full address such as user@example.com.", value);
                    }

                    result.Add(mailbox);
                }
            }

            return result;
        }

        private static void RejectOverlong(string field, string value)
        {
            if (value.Length > MaxHeaderValueLength)
            {
                throw new SmtpMessageException(
                    SmtpMessageProblem.HeaderTooLong,
                    $"The {field} is {value.Length.ToString("N0", CultureInfo.InvariantCulture)} characters long; at most {MaxHeaderValueLength} are sent (RFC 5322 2.1.1), since servers on the way truncate or refuse longer header lines. Nothing was sent. Shorten it; put long text in the body.",
                    field);
            }
        }

        // The text must survive the trip: well-formed UTF-16 (no lone surrogate from a string cut in half or decoded
        // wrongly) that the message's encoding can represent. Otherwise the encoder would put '?' or U+FFFD in silently.
        private static void CheckText(string field, string? value, Encoding encoding)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            // UTF-8 (the default) needs no clone per check: the strict instance already throws on what it cannot encode.
            var strict = StrictUtf8;
            if (encoding.CodePage != StrictUtf8.CodePage)
            {
                strict = (Encoding)encoding.Clone();
                strict.EncoderFallback = EncoderFallback.ExceptionFallback;
            }

            try
            {
                strict.GetByteCount(value);
            }
            catch (EncoderFallbackException e)
            {
                var lone = !e.IsUnknownSurrogate() && char.IsSurrogate(e.CharUnknown);
                var what = lone
                    ? "a lone UTF-16 surrogate (the text was cut in the middle of a character, or read with the wrong encoding)"
                    : $"a character (U+{(e.IsUnknownSurrogate() ? char.ConvertToUtf32(e.CharUnknownHigh, e.CharUnknownLow) : e.CharUnknown):X4}) that {encoding.WebName} cannot represent";
                var fix = lone ? "Fix the text." : "Use -Encoding UTF8, or remove the character.";
                throw new SmtpMessageException(
                    SmtpMessageProblem.InvalidText,
                    $"The {field} contains {what} at position {e.Index.ToString(CultureInfo.InvariantCulture)}: it would arrive garbled. Nothing was sent. {fix}",
                    field,
                    e);
            }
        }

        private static void RejectLineBreaks(string field, string value)
        {
            if (value.IndexOfAny(LineBreaksAndNul) >= 0)
            {
                throw new SmtpMessageException(SmtpMessageProblem.HeaderInjection, $"The {field} contains a line break or NUL: refused, it would inject header lines ('{Printable(value)}').", field);
            }
        }

        private static void AddHeaders(MimeMessage mime, IDictionary<string, string>? headers)
        {
            if (headers == null || headers.Count == 0)
            {
                return;
            }

            foreach (var pair in headers)
            {
                var name = pair.Key ?? string.Empty;
                if (name.IndexOfAny(LineBreaksAndNul) >= 0)
                {
                    throw new SmtpMessageException(SmtpMessageProblem.HeaderInjection, $"The header name '{Printable(name)}' contains a line break: refused, it would inject header lines.", name);
                }

                // RFC 5322 3.6.8: field-name = 1*ftext, printable US-ASCII except ':'.
                if (name.Length == 0 || name.Any(c => c < 33 || c > 126 || c == ':'))
                {
                    throw new SmtpMessageException(SmtpMessageProblem.InvalidHeader, $"'{Printable(name)}' is not a valid header name: use printable ASCII without spaces or ':' (such as X-Ticket).", name);
                }

                if (ReservedHeaders.Contains(name))
                {
                    throw new SmtpMessageException(SmtpMessageProblem.InvalidHeader, $"The header '{name}' is set from the cmdlet's own parameters and cannot be given in -Headers.", name);
                }

                var value = pair.Value ?? string.Empty;
                RejectLineBreaks($"value of header '{name}'", value);
                RejectOverlong($"value of header '{name}'", value);
                CheckText($"value of header '{name}'", value, StrictUtf8);
                mime.Headers.Add(name, value);
            }
        }

        private static void SetPriority(MimeMessage mime, MailPriority priority)
        {
            // The same three headers System.Net.Mail (and so Send-MailMessage) writes.
            switch (priority)
            {
                case MailPriority.High:
                    mime.XPriority = XMessagePriority.Highest;
                    mime.Priority = MessagePriority.Urgent;
                    mime.Importance = MessageImportance.High;
                    break;
                case MailPriority.Low:
                    mime.XPriority = XMessagePriority.Lowest;
                    mime.Priority = MessagePriority.NonUrgent;
                    mime.Importance = MessageImportance.Low;
                    break;
            }
        }

        private static MimeEntity BuildBody(OutgoingMessage message, Encoding encoding, List<Stream> files)
        {
            string? text = message.BodyAsHtml ? null : message.Body;
            string? html = message.BodyAsHtml ? message.Body : message.HtmlBody;
            if (message.BodyAsHtml && message.HtmlBody != null)
            {
                throw new SmtpMessageException(SmtpMessageProblem.InvalidBody, "Give the HTML either as -Body with -BodyAsHtml or as -HtmlBody, not both. A text -Body with -HtmlBody sends both versions.");
            }

            var inline = message.InlineAttachments;
            var inlineCount = inline?.Count ?? 0;
            if (inlineCount > 0 && html == null)
            {
                throw new SmtpMessageException(SmtpMessageProblem.InvalidBody, "Inline attachments are referenced from an HTML body (src=\"cid:...\"): give one with -HtmlBody or -Body -BodyAsHtml.");
            }

            MimeEntity? htmlEntity = null;
            if (html != null)
            {
                var htmlPart = TextPart("html", html, encoding);
                if (inlineCount > 0)
                {
                    // Root inserts the part it is given: adding it first as well put the HTML in twice.
                    var related = new MultipartRelated { Root = htmlPart };
                    foreach (var pair in inline!)
                    {
                        related.Add(FilePart(pair.Value, files, inlineId: ValidContentId(pair.Key)));
                    }

                    htmlEntity = related;
                }
                else
                {
                    htmlEntity = htmlPart;
                }
            }

            MimeEntity body;
            if (htmlEntity != null && text != null)
            {
                body = new MultipartAlternative { TextPart("plain", text, encoding), htmlEntity };
            }
            else
            {
                body = htmlEntity ?? TextPart("plain", text ?? string.Empty, encoding);
            }

            var attachments = message.Attachments;
            if (attachments == null || attachments.Count == 0)
            {
                return body;
            }

            var mixed = new Multipart("mixed") { body };
            foreach (var path in attachments)
            {
                mixed.Add(FilePart(path, files, inlineId: null));
            }

            return mixed;
        }

        private static TextPart TextPart(string subtype, string content, Encoding encoding)
        {
            var part = new TextPart(subtype);
            if (encoding.CodePage != Utf8CodePage)
            {
                part.SetText(encoding, CanonicalLineEnds(content));
                return part;
            }

            // What SetText does, from canonical bytes made in one pass: no canonical copy of the text on the way.
            part.ContentType.CharsetEncoding = encoding;
            part.Content = new MimeContent(new MemoryStream(CanonicalUtf8(content, encoding)));
            return part;
        }

        private const int Utf8CodePage = 65001;

        /// <summary>The UTF-8 bytes of <see cref="CanonicalLineEnds"/>(<paramref name="text"/>), without making that string.</summary>
        internal static byte[] CanonicalUtf8(string text, Encoding utf8)
        {
            var added = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var bareLf = text[i] == '\n' && (i == 0 || text[i - 1] != '\r');
                var bareCr = text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n');
                if (bareLf || bareCr)
                {
                    added++; // a bare LF gets its CR, a bare CR its LF: one byte each in UTF-8
                }
            }

            var bytes = new byte[utf8.GetByteCount(text) + added];
            int written = 0, start = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c != '\r' && c != '\n')
                {
                    continue;
                }

                written += utf8.GetBytes(text, start, i - start, bytes, written);
                bytes[written++] = (byte)'\r';
                bytes[written++] = (byte)'\n';
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                start = i + 1;
            }

            utf8.GetBytes(text, start, text.Length - start, bytes, written);
            return bytes;
        }

        /// <summary>
        /// Every CR, LF and CRLF becomes CRLF (RFC 5321 2.3.8: no bare CR or LF on the wire). A bare CR passed through
        /// as is lets "\r.\r\n" end the data early on servers that accept it as a line end: SMTP smuggling.
        /// </summary>
        internal static string CanonicalLineEnds(string text)
        {
            if (text.IndexOf('\r') < 0 && text.IndexOf('\n') < 0)
            {
                return text;
            }

            var canonical = new StringBuilder(text.Length + 16);
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\r' || c == '\n')
                {
                    canonical.Append("\r\n");
                    if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                    {
                        i++;
                    }
                }
                else
                {
                    canonical.Append(c);
                }
            }

            return canonical.ToString();
        }

        private static string ValidContentId(string contentId)
        {
            var id = (contentId ?? string.Empty).Trim().TrimStart('<').TrimEnd('>');
            if (id.StartsWith("cid:", StringComparison.OrdinalIgnoreCase))
            {
                id = id.Substring(4);
            }

            if (id.Length == 0 || id.Any(c => c < 33 || c > 126 || c == '<' || c == '>' || c == '"' || c == '(' || c == ')' || c == ',' || c == ';' || c == '\\'))
            {
                throw new SmtpMessageException(SmtpMessageProblem.InvalidBody, $"'{Printable(contentId ?? string.Empty)}' is not a usable content id: use letters, digits and dots (\"logo\", \"logo@example\") and reference it as src=\"cid:logo\".", contentId);
            }

            return id;
        }

        // The file is opened now (so a missing or unreadable file fails before any connection) and streamed when
        // the message is written: never read whole into memory. Base64 is set up front so that preparing the message
        // for transport does not scan the file to pick an encoding.
        private static MimePart FilePart(string path, List<Stream> files, string? inlineId)
        {
            var stream = OpenForStreaming(path);
            files.Add(stream);
            var part = new MimePart(MimeTypes.GetMimeType(path))
            {
                Content = new MimeContent(stream),
                ContentDisposition = new ContentDisposition(inlineId == null ? ContentDisposition.Attachment : ContentDisposition.Inline),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = Path.GetFileName(path),
            };
            if (inlineId != null)
            {
                part.ContentId = inlineId;
            }

            return part;
        }

        private static Stream OpenForStreaming(string path)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new SmtpMessageException(SmtpMessageProblem.AttachmentNotFound, "An attachment path is empty.", path);
            }

            if (Directory.Exists(path))
            {
                throw new SmtpMessageException(SmtpMessageProblem.AttachmentNotFound, $"The attachment '{path}' is a directory, not a file.", path);
            }

            if (FileKind.IsRegularFile(path) == false)
            {
                throw new SmtpMessageException(SmtpMessageProblem.AttachmentUnreadable, $"The attachment '{path}' is not a regular file (a device, pipe or socket never ends or blocks): attach a file, or copy the data into one first.", path);
            }

            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan);
            }
            catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
            {
                throw new SmtpMessageException(SmtpMessageProblem.AttachmentNotFound, $"The attachment '{path}' does not exist.", path, e);
            }
            catch (Exception e) when (e is UnauthorizedAccessException || e is IOException || e is NotSupportedException || e is ArgumentException)
            {
                throw new SmtpMessageException(SmtpMessageProblem.AttachmentUnreadable, $"The attachment '{path}' cannot be read: {e.Message}", path, e);
            }
        }

        private static string AsciiDomain(string address)
        {
            var domain = address.Substring(address.LastIndexOf('@') + 1);
            if (IsPlainAsciiDomain(domain))
            {
                return domain; // what IdnMapping would return, without one per message
            }

            try
            {
                return new IdnMapping().GetAscii(domain);
            }
            catch (ArgumentException)
            {
                return "localhost";
            }
        }

        // Lower-case LDH labels: IdnMapping leaves them as they are.
        private static bool IsPlainAsciiDomain(string domain)
        {
            if (domain.Length == 0 || domain[0] == '.' || domain[0] == '-' || domain[domain.Length - 1] == '.' || domain[domain.Length - 1] == '-' || domain.IndexOf("..", StringComparison.Ordinal) >= 0)
            {
                return false;
            }

            foreach (var c in domain)
            {
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool NeedsUtf8(MailboxAddress mailbox)
        {
            var address = mailbox.Address;
            var at = address.LastIndexOf('@');
            for (var i = 0; i < (at < 0 ? address.Length : at); i++)
            {
                if (address[i] > 127)
                {
                    return true;
                }
            }

            return false;
        }

        private static string Printable(string value) =>
            value.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\0", "\\0");
    }
}
