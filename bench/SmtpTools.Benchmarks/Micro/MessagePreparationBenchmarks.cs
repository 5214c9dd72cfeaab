using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using MimeKit;

namespace SmtpTools.Benchmarks.Micro
{
    /// <summary>
    /// Send-SecureMail's per-message work before MailKit writes it: validating addresses and headers and building the MIME
    /// message, against what a MailKit user builds by hand for the same message.
    /// </summary>
    public class MessagePreparationBenchmarks
    {
        private const string Body = "Row 1: disk usage on volume 1 is 41% (threshold 90%), no action needed.\nRow 2: disk usage on volume 2 is 42% (threshold 90%), no action needed.";

        [Benchmark(Baseline = true)]
        public MimeMessage MailKitByHand() =>
            new MimeMessage(new[] { MailboxAddress.Parse("alice@smtptools.test") }, new[] { MailboxAddress.Parse("bench@bench.invalid") }, "Nightly report 1", new TextPart("plain") { Text = Body });

        [Benchmark]
        public string PreparedMessageCreate()
        {
            var message = new OutgoingMessage
            {
                From = "alice@smtptools.test",
                To = new List<string> { "bench@bench.invalid" },
                Subject = "Nightly report 1",
                Body = Body,
            };
            using var prepared = PreparedMessage.Create(message);
            return prepared.MessageId;
        }
    }
}
