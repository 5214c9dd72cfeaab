using System;

namespace SmtpTools.Discovery
{
    /// <summary>An autoconfig server answered, but its document cannot be trusted or used; the document is ignored.</summary>
    public sealed class AutoconfigException : Exception
    {
        /// <summary>Creates the exception for <paramref name="uri"/>.</summary>
        public AutoconfigException(Uri uri, string reason, Exception? innerException = null)
            : base($"Autoconfig {uri}: {reason}. The document was ignored.", innerException)
        {
            Uri = uri;
            Reason = reason;
        }

        /// <summary>Why the answer was not used, without the address ("its certificate is wrong host").</summary>
        public string Reason { get; }

        /// <summary>The document's address.</summary>
        public Uri Uri { get; }
    }
}
