using System.Management.Automation;
using SmtpTools.Discovery;

namespace SmtpTools.Commands
{
    /// <summary>Discovery failures as ErrorRecords: each DNS failure kind has its own stable id and category.</summary>
    internal static class DiscoveryErrors
    {
        public static ErrorRecord FromDnsFailure(DnsLookupException exception, object? target)
        {
            var (id, category) = Classify(exception.Failure);
            return new ErrorRecord(exception, id, category, target) { ErrorDetails = new ErrorDetails(exception.Message + Advice(exception.Failure)) };
        }

        /// <summary>The domain exists but publishes nothing for sending mail.</summary>
        public static ErrorRecord NothingPublished(string message, string domain) =>
            new ErrorRecord(new DnsLookupException(DnsFailureKind.NoRecords, domain, "SRV, MX", string.Empty, message), "SmtpTools.NoSmtpServerPublished", ErrorCategory.ObjectNotFound, domain)
            {
                ErrorDetails = new ErrorDetails(message),
            };

        /// <summary>An autoconfig server answered with something that cannot be trusted or used.</summary>
        public static ErrorRecord AutoconfigRejected(AutoconfigException exception, string domain) =>
            new ErrorRecord(exception, "SmtpTools.AutoconfigRejected", ErrorCategory.SecurityError, domain) { ErrorDetails = new ErrorDetails(exception.Message) };

        internal static (string Id, ErrorCategory Category) Classify(DnsFailureKind kind)
        {
            switch (kind)
            {
                case DnsFailureKind.NameNotFound: return ("SmtpTools.DomainNotFound", ErrorCategory.ObjectNotFound);
                case DnsFailureKind.NoRecords: return ("SmtpTools.NoSmtpServerPublished", ErrorCategory.ObjectNotFound);
                case DnsFailureKind.ServerFailure: return ("SmtpTools.DnsServerFailure", ErrorCategory.ResourceUnavailable);
                case DnsFailureKind.Refused: return ("SmtpTools.DnsRefused", ErrorCategory.PermissionDenied);
                case DnsFailureKind.TimedOut: return ("SmtpTools.DnsTimedOut", ErrorCategory.OperationTimeout);
                default: return ("SmtpTools.DnsServerUnreachable", ErrorCategory.ConnectionError);
            }
        }

        private static string Advice(DnsFailureKind kind)
        {
            switch (kind)
            {
                case DnsFailureKind.ServerFailure: return " Try again later, or ask another server with -DnsServer.";
                case DnsFailureKind.Refused: return " Ask a server that resolves for you with -DnsServer.";
                case DnsFailureKind.TimedOut: return " Check the network and the server, or raise -TimeoutSec.";
                case DnsFailureKind.Unreachable: return " Check the address given with -DnsServer and the network.";
                default: return string.Empty;
            }
        }
    }
}
