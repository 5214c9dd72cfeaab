using System;

namespace SmtpTools
{
    /// <summary>A message that cannot be sent as given (bad address, missing attachment, header injection).</summary>
    public sealed class SmtpMessageException : ArgumentException
    {
        /// <summary>Creates the exception.</summary>
        public SmtpMessageException(SmtpMessageProblem problem, string message, string? offendingValue = null, Exception? innerException = null)
            : base(message, innerException)
        {
            Problem = problem;
            OffendingValue = offendingValue;
        }

        /// <summary>What is wrong.</summary>
        public SmtpMessageProblem Problem { get; }

        /// <summary>The value at fault (an address, a path, a header name), or null.</summary>
        public string? OffendingValue { get; }
    }
}
