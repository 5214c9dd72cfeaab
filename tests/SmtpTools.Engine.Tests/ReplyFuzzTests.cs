using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Protocol;
using SmtpTools.Tests.Fuzz;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>
    /// Twelve thousand mutated Postfix replies (seeded: SMTPTOOLS_FUZZ_SEED reruns another set) through the reply reader
    /// and the EHLO parser. Each case ends in a reply that keeps every limit and was read without a byte too many, or in
    /// one of the two documented exceptions; never anything else, never a hang.
    /// </summary>
    [Trait("Category", "Reliability")]
    public sealed class ReplyFuzzTests
    {
        private const int Cases = 12_000;
        private const int RepliesPerCase = 8;
        private static readonly TimeSpan DoesNotHang = TimeSpan.FromMinutes(2);

        [Fact]
        public async Task Mutated_replies_give_a_well_formed_reply_or_a_documented_exception()
        {
            using var scenario = ReliabilityTally.Scenario("fuzz: SmtpReplyReader and SmtpExtensions.Parse, mutated Postfix replies");
            var seed = ReplyMutator.Seed;
            var failures = new List<string>();
            var watch = Stopwatch.StartNew();
            for (var index = 0; index < Cases && failures.Count < 10; index++)
            {
                var (bytes, description) = ReplyMutator.Case(seed, index);
                try
                {
                    await ReadEveryReplyAsync(bytes);
                    CheckExtensions(Encoding.UTF8.GetString(bytes).Split('\n'));
                }
                catch (Exception e)
                {
                    failures.Add($"seed {seed}, case {index} ({description}): {e.GetType().Name}: {e.Message}");
                }
            }

            scenario.FuzzCases(Cases);
            Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
            Assert.True(watch.Elapsed < DoesNotHang, $"{Cases} cases took {watch.Elapsed}.");
            scenario.Survived();
        }

        // Reads replies until the stream ends or one is refused; the documented refusals end the case, anything else escapes.
        private static async Task ReadEveryReplyAsync(byte[] bytes)
        {
            var stream = new MemoryStream(bytes);
            var reader = new SmtpReplyReader(stream);
            for (var n = 0; n < RepliesPerCase; n++)
            {
                SmtpReply reply;
                try
                {
                    reply = await reader.ReadReplyAsync(CancellationToken.None);
                }
                catch (SmtpProtocolException refused)
                {
                    Require(refused.Received == null || refused.Received.All(c => c >= 0x20 && c != 0x7f), "Received is not printable: " + refused.Received);
                    return;
                }
                catch (EndOfStreamException)
                {
                    return;
                }

                Require(reply.Code >= 200 && reply.Code <= 599, $"code {reply.Code}");
                Require(reply.Lines.Count >= 1 && reply.Lines.Count <= SmtpReplyReader.MaxLines, $"{reply.Lines.Count} lines");
                Require(reply.Lines.All(l => Encoding.UTF8.GetByteCount(l) <= SmtpReplyReader.MaxLineLength * 3), "a line beyond the limit");
                Require(stream.Position > 0 && bytes[stream.Position - 1] == (byte)'\n', $"read past the reply's end (position {stream.Position})");
                CheckExtensions(reply.Lines);
            }
        }

        private static void CheckExtensions(IReadOnlyList<string> lines)
        {
            var extensions = SmtpExtensions.Parse(lines);
            Require(extensions.SizeLimit == null || extensions.SizeLimit >= 0, $"SIZE {extensions.SizeLimit}");
            Require(extensions.AuthMechanisms.Distinct().Count() == extensions.AuthMechanisms.Count, "duplicate AUTH mechanisms");
            Require(extensions.AuthMechanisms.All(m => m.Length > 0 && m == m.ToUpperInvariant()), "an empty or lower-case mechanism");
            Require(extensions.Keywords.All(k => k.Length > 0 && k == k.Trim()), "an empty or untrimmed keyword");
        }

        private static void Require(bool condition, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException("Invariant broken: " + what);
            }
        }
    }
}
