using System;

namespace SmtpTools.Protocol
{
    /// <summary>The peer said something that is not SMTP (RFC 5321 4.2), or broke a limit we keep for safety.</summary>
    public sealed class SmtpProtocolException : Exception
    {
        /// <summary>Creates the exception with what was wrong and, where known, the start of what was received.</summary>
        public SmtpProtocolException(string message, string? received = null)
            : base(message)
        {
            Received = received;
        }

        /// <summary>The start of the offending input, made printable (control bytes escaped), or null.</summary>
        public string? Received { get; }
    }
}
