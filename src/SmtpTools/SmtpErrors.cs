using System;
using System.Management.Automation;

namespace SmtpTools.Commands
{
    /// <summary>
    /// The one place where failures become ErrorRecords: each failure kind has a stable error id and the category a
    /// script can filter on. The engine appends ",SmtpTools.Commands.&lt;Cmdlet&gt;" to form the FullyQualifiedErrorId.
    /// </summary>
    internal static class SmtpErrors
    {
        public static ErrorRecord FromFailure(SmtpFailureKind kind, string message, object? target, Exception? exception = null)
        {
            var (id, category) = Classify(kind);
            var record = new ErrorRecord(exception ?? new SmtpConnectionException(kind, message), id, category, target);
            record.ErrorDetails = new ErrorDetails(TerminalText.Escape(message));
            return record;
        }

        public static ErrorRecord FromException(SmtpConnectionException exception, object? target) =>
            FromFailure(exception.Kind, exception.Message, target, exception);

        /// <summary>Bad input found before any network I/O.</summary>
        public static ErrorRecord InvalidArgument(string id, string message, object? target) =>
            new ErrorRecord(new ArgumentException(message), id, ErrorCategory.InvalidArgument, target) { ErrorDetails = new ErrorDetails(TerminalText.Escape(message)) };

        /// <summary>A message refused before any network I/O: each problem has its own id.</summary>
        public static ErrorRecord FromMessageProblem(SmtpMessageException exception, object? target)
        {
            var (id, category) = ClassifyProblem(exception.Problem);
            return new ErrorRecord(exception, id, category, target ?? exception.OffendingValue) { ErrorDetails = new ErrorDetails(TerminalText.Escape(exception.Message)) };
        }

        internal static (string Id, ErrorCategory Category) ClassifyProblem(SmtpMessageProblem problem)
        {
            switch (problem)
            {
                case SmtpMessageProblem.InvalidAddress: return ("SmtpTools.InvalidAddress", ErrorCategory.InvalidArgument);
                case SmtpMessageProblem.NoRecipients: return ("SmtpTools.NoRecipients", ErrorCategory.InvalidArgument);
                case SmtpMessageProblem.AttachmentNotFound: return ("SmtpTools.AttachmentNotFound", ErrorCategory.ObjectNotFound);
                case SmtpMessageProblem.AttachmentUnreadable: return ("SmtpTools.AttachmentUnreadable", ErrorCategory.ReadError);
                case SmtpMessageProblem.HeaderInjection: return ("SmtpTools.HeaderInjection", ErrorCategory.InvalidArgument);
                case SmtpMessageProblem.InvalidHeader: return ("SmtpTools.InvalidHeader", ErrorCategory.InvalidArgument);
                case SmtpMessageProblem.TooManyRecipients: return ("SmtpTools.TooManyRecipients", ErrorCategory.LimitsExceeded);
                case SmtpMessageProblem.HeaderTooLong: return ("SmtpTools.HeaderTooLong", ErrorCategory.LimitsExceeded);
                case SmtpMessageProblem.InvalidText: return ("SmtpTools.InvalidText", ErrorCategory.InvalidData);
                case SmtpMessageProblem.MissingField: return ("SmtpTools.MissingField", ErrorCategory.InvalidArgument);
                default: return ("SmtpTools.InvalidBody", ErrorCategory.InvalidArgument);
            }
        }

        /// <summary>A host was probed but none of its ports is fit for submitting mail (Test-SmtpPort -Recommended).</summary>
        public static ErrorRecord NoSubmissionEndpoint(string message, object? target) =>
            new ErrorRecord(new InvalidOperationException(message), "SmtpTools.NoSubmissionEndpoint", ErrorCategory.ResourceUnavailable, target) { ErrorDetails = new ErrorDetails(TerminalText.Escape(message)) };

        internal static (string Id, ErrorCategory Category) Classify(SmtpFailureKind kind)
        {
            switch (kind)
            {
                case SmtpFailureKind.NameNotResolved: return ("SmtpTools.NameNotResolved", ErrorCategory.ObjectNotFound);
                case SmtpFailureKind.ConnectionRefused: return ("SmtpTools.ConnectionRefused", ErrorCategory.ConnectionError);
                case SmtpFailureKind.TimedOut: return ("SmtpTools.TimedOut", ErrorCategory.OperationTimeout);
                case SmtpFailureKind.ConnectionClosed: return ("SmtpTools.ConnectionClosed", ErrorCategory.ConnectionError);
                case SmtpFailureKind.NotSmtp: return ("SmtpTools.NotSmtp", ErrorCategory.ProtocolError);
                case SmtpFailureKind.TlsHandshakeFailed: return ("SmtpTools.TlsHandshakeFailed", ErrorCategory.SecurityError);
                case SmtpFailureKind.CertificateRejected: return ("SmtpTools.CertificateRejected", ErrorCategory.SecurityError);
                case SmtpFailureKind.StartTlsNotOffered: return ("SmtpTools.StartTlsNotOffered", ErrorCategory.SecurityError);
                case SmtpFailureKind.StartTlsRefused: return ("SmtpTools.StartTlsRefused", ErrorCategory.SecurityError);
                case SmtpFailureKind.CommandRejected: return ("SmtpTools.CommandRejected", ErrorCategory.InvalidOperation);
                case SmtpFailureKind.AuthenticationFailed: return ("SmtpTools.AuthenticationFailed", ErrorCategory.AuthenticationError);
                case SmtpFailureKind.EncryptionRequired: return ("SmtpTools.EncryptionRequired", ErrorCategory.SecurityError);
                case SmtpFailureKind.ProtocolError: return ("SmtpTools.ProtocolError", ErrorCategory.ProtocolError);
                case SmtpFailureKind.RecipientRejected: return ("SmtpTools.RecipientRejected", ErrorCategory.InvalidOperation);
                case SmtpFailureKind.MessageRejected: return ("SmtpTools.MessageRejected", ErrorCategory.InvalidOperation);
                case SmtpFailureKind.OutcomeUnknown: return ("SmtpTools.OutcomeUnknown", ErrorCategory.ConnectionError);
                case SmtpFailureKind.ExtensionNotSupported: return ("SmtpTools.ExtensionNotSupported", ErrorCategory.NotImplemented);
                case SmtpFailureKind.InvalidMessage: return ("SmtpTools.InvalidMessage", ErrorCategory.InvalidArgument);
                case SmtpFailureKind.SecurityMismatch: return ("SmtpTools.SecurityMismatch", ErrorCategory.InvalidArgument);
                case SmtpFailureKind.TokenRequestFailed: return ("SmtpTools.TokenRequestFailed", ErrorCategory.AuthenticationError);
                case SmtpFailureKind.MessageTooLarge: return ("SmtpTools.MessageTooLarge", ErrorCategory.LimitsExceeded);
                default: return ("SmtpTools.Failed", ErrorCategory.NotSpecified);
            }
        }
    }
}
