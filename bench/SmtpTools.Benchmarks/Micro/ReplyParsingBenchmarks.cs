using System.IO;
using System.Text;
using System.Threading;
using BenchmarkDotNet.Attributes;
using SmtpTools.Protocol;

namespace SmtpTools.Benchmarks.Micro
{
    /// <summary>Reading one reply off the wire: the probe reads several per endpoint, a sweep thousands.</summary>
    public class ReplyParsingBenchmarks
    {
        private readonly byte[] _ehlo = Encoding.ASCII.GetBytes(
            "250-mail.smtptools.test\r\n250-PIPELINING\r\n250-SIZE 419430400\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n" +
            "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n");

        private readonly byte[] _greeting = Encoding.ASCII.GetBytes("220 mail.smtptools.test ESMTP Postfix\r\n");

        [Benchmark(Baseline = true)]
        public int Greeting() => Read(_greeting);

        [Benchmark]
        public int MultilineEhlo() => Read(_ehlo);

        // The reply type is internal; its code is enough to keep the work from being optimised away.
        private static int Read(byte[] wire) =>
            new SmtpReplyReader(new MemoryStream(wire, writable: false)).ReadReplyAsync(CancellationToken.None).GetAwaiter().GetResult().Code;
    }
}
