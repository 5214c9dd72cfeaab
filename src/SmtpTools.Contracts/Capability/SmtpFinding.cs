using System;

namespace SmtpTools
{
    /// <summary>One problem (or notable fact) found on an endpoint, with what to do about it and where the rule comes from.</summary>
    public sealed class SmtpFinding
    {
        /// <summary>Creates a finding.</summary>
        /// <exception cref="ArgumentException"><paramref name="id"/> or <paramref name="message"/> is empty.</exception>
        public SmtpFinding(string id, SmtpFindingSeverity severity, string message, string reference)
        {
            if (string.IsNullOrWhiteSpace(id))
            {
                throw new ArgumentException("A finding needs an id.", nameof(id));
            }

            if (string.IsNullOrWhiteSpace(message))
            {
                throw new ArgumentException("A finding needs a message.", nameof(message));
            }

            Id = id;
            Severity = severity;
            Message = message;
            Reference = reference ?? string.Empty;
        }

        /// <summary>A stable identifier scripts can match on ("STARTTLS_ONLY", "CERT_EXPIRED"); never reworded.</summary>
        public string Id { get; }

        /// <summary>How much it matters.</summary>
        public SmtpFindingSeverity Severity { get; }

        /// <summary>What was found and what to do about it.</summary>
        public string Message { get; }

        /// <summary>Where the rule comes from ("RFC 8314 3.3"), or empty.</summary>
        public string Reference { get; }

        /// <inheritdoc />
        public override string ToString() => $"[{Severity}] {Id}: {Message}" + (Reference.Length > 0 ? $" ({Reference})" : string.Empty);
    }
}
