namespace SmtpTools
{
    /// <summary>Why a message cannot be sent as given. Found before any network I/O.</summary>
    public enum SmtpMessageProblem
    {
        /// <summary>An address does not parse (RFC 5322), or a single address was expected and several were given.</summary>
        InvalidAddress = 0,

        /// <summary>No recipient at all in To, Cc and Bcc.</summary>
        NoRecipients,

        /// <summary>An attachment or inline file does not exist, or is a directory.</summary>
        AttachmentNotFound,

        /// <summary>An attachment or inline file exists but cannot be opened for reading.</summary>
        AttachmentUnreadable,

        /// <summary>A header name or value (Subject included) contains CR, LF or NUL: it would inject header lines.</summary>
        HeaderInjection,

        /// <summary>A header name is not a valid RFC 5322 field name, or names a header the cmdlet sets itself.</summary>
        InvalidHeader,

        /// <summary>The body parameters contradict each other, or an inline part cannot be referenced.</summary>
        InvalidBody,

        /// <summary>More envelope recipients than one message may carry (<c>PreparedMessage.MaxRecipients</c>): servers refuse the excess.</summary>
        TooManyRecipients,

        /// <summary>The subject or a header value is longer than a header line may be (RFC 5322 2.1.1: 998 characters).</summary>
        HeaderTooLong,

        /// <summary>Text the message's encoding cannot carry: malformed UTF-16 (a lone surrogate), or characters outside a narrower -Encoding.</summary>
        InvalidText,

        /// <summary>A field the message needs (To, From; Subject for a message made from a pipeline row) came from no parameter and no input property, or only as an empty value.</summary>
        MissingField,
    }
}
