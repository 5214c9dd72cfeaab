using System;

namespace SmtpTools
{
    /// <summary>A DNS question that got no usable answer: which name, which record type, of which server, and why.</summary>
    public sealed class DnsLookupException : Exception
    {
        /// <summary>Creates the exception; the message names the question, the server and the failure.</summary>
        public DnsLookupException(DnsFailureKind failure, string name, string recordType, string server, string message, Exception? innerException = null)
            : base(message, innerException)
        {
            Failure = failure;
            Name = name ?? string.Empty;
            RecordType = recordType ?? string.Empty;
            Server = server ?? string.Empty;
        }

        /// <summary>Why no answer was usable.</summary>
        public DnsFailureKind Failure { get; }

        /// <summary>The name asked about ("_submissions._tcp.example.com").</summary>
        public string Name { get; }

        /// <summary>The record type asked for ("SRV", "MX", "A").</summary>
        public string RecordType { get; }

        /// <summary>Who was asked: "127.0.0.1:53", or the system resolvers by address.</summary>
        public string Server { get; }
    }
}
