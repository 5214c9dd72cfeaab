using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace SmtpTools.Benchmarks.Micro
{
    /// <summary>Turning EHLO lines into extensions: once per probe, twice with STARTTLS.</summary>
    public class EhloParsingBenchmarks
    {
        private readonly IReadOnlyList<string> _postfix = new[]
        {
            "mail.smtptools.test", "PIPELINING", "SIZE 419430400", "VRFY", "ETRN", "AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN",
            "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING",
        };

        [Benchmark]
        public SmtpExtensions PostfixAfterStartTls() => SmtpExtensions.Parse(_postfix);
    }
}
