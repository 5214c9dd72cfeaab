using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace SmtpTools.Tests.Fuzz
{
    /// <summary>
    /// Seeded, reproducible fuzz cases for SMTP reply parsing: real Postfix replies (<see cref="PostfixTranscripts"/>)
    /// put through one to three mutations each (truncation, bit flips, injected CR/LF/NUL, huge lines, wrong codes,
    /// mixed continuation and codes, floods of lines, invalid UTF-8, bare LF, replies run together), plus pure random
    /// bytes. Case i of seed s is always the same bytes: a failure names its seed and index, and rerunning them
    /// reproduces it.
    /// </summary>
    public static class ReplyMutator
    {
        /// <summary>The seed the suite runs with unless SMTPTOOLS_FUZZ_SEED names another.</summary>
        public const int DefaultSeed = 20250601;

        private static readonly string[] WrongCodes = { "000", "999", "199", "699", "2x0", "25", "abc", "-250", " 250", "2500", "\u0662\u0665\u0660" };

        private static readonly byte[][] Controls =
        {
            new[] { (byte)'\r' }, new[] { (byte)'\n' }, new byte[] { 0 }, new[] { (byte)'\r', (byte)'\n' }, new[] { (byte)'\r', (byte)'\r', (byte)'\n' }, new byte[] { 0x1b, (byte)'[', (byte)'2', (byte)'J' },
        };

        private static readonly byte[][] BadUtf8 =
        {
            new byte[] { 0xC3, 0x28 }, new byte[] { 0xFF, 0xFE }, new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xF4, 0x90, 0x80, 0x80 }, new byte[] { 0xE2, 0x82 },
        };

        private static readonly Func<Random, List<byte>, string>[] Mutations =
        {
            Truncate, FlipBits, ReplaceBytes, InjectControl, HugeLine, WrongCode, MixContinuation, MixCodes, FloodLines,
            InvalidUtf8, AppendAnotherReply, DropFinalLineEnd, BareLineEnds,
        };

        /// <summary>The seed for this run: SMTPTOOLS_FUZZ_SEED when set, else <see cref="DefaultSeed"/>.</summary>
        public static int Seed => int.TryParse(Environment.GetEnvironmentVariable("SMTPTOOLS_FUZZ_SEED"), out var seed) ? seed : DefaultSeed;

        /// <summary>Case <paramref name="index"/> of <paramref name="seed"/>: the bytes a server sends, and how they were made.</summary>
        public static (byte[] Bytes, string Description) Case(int seed, int index)
        {
            var random = new Random(unchecked((seed * 7919) + index));
            if (random.Next(20) == 0)
            {
                var noise = new byte[random.Next(0, 300)];
                random.NextBytes(noise);
                return (noise, $"{noise.Length} random bytes");
            }

            var source = PostfixTranscripts.Replies[random.Next(PostfixTranscripts.Replies.Count)];
            var bytes = Encoding.ASCII.GetBytes(source).ToList();
            var applied = new List<string>();
            for (var n = random.Next(1, 4); n > 0; n--)
            {
                applied.Add(Mutations[random.Next(Mutations.Length)](random, bytes));
            }

            return (bytes.ToArray(), $"'{Short(source)}' + {string.Join(" + ", applied)}");
        }

        private static string Truncate(Random random, List<byte> bytes)
        {
            var at = random.Next(bytes.Count + 1);
            bytes.RemoveRange(at, bytes.Count - at);
            return $"truncated at {at}";
        }

        private static string FlipBits(Random random, List<byte> bytes)
        {
            var count = random.Next(1, 6);
            for (var i = 0; i < count && bytes.Count > 0; i++)
            {
                var at = random.Next(bytes.Count);
                bytes[at] ^= (byte)(1 << random.Next(8));
            }

            return $"{count} bit flips";
        }

        private static string ReplaceBytes(Random random, List<byte> bytes)
        {
            var count = random.Next(1, 6);
            for (var i = 0; i < count && bytes.Count > 0; i++)
            {
                bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
            }

            return $"{count} random bytes replaced";
        }

        private static string InjectControl(Random random, List<byte> bytes)
        {
            var control = Controls[random.Next(Controls.Length)];
            bytes.InsertRange(random.Next(bytes.Count + 1), control);
            return "injected " + string.Join(" ", control.Select(b => b.ToString("x2")));
        }

        private static string HugeLine(Random random, List<byte> bytes)
        {
            var length = random.Next(4000, 200_000);
            bytes.InsertRange(random.Next(bytes.Count + 1), Enumerable.Repeat((byte)'A', length));
            return $"{length} bytes inserted in a line";
        }

        private static string WrongCode(Random random, List<byte> bytes)
        {
            var starts = LineStarts(bytes);
            var at = starts[random.Next(starts.Count)];
            var code = Encoding.UTF8.GetBytes(WrongCodes[random.Next(WrongCodes.Length)]);
            var replace = Math.Min(3, bytes.Count - at);
            bytes.RemoveRange(at, replace);
            bytes.InsertRange(at, code);
            return "code replaced by '" + Encoding.UTF8.GetString(code) + "'";
        }

        private static string MixContinuation(Random random, List<byte> bytes)
        {
            var starts = LineStarts(bytes).Where(s => s + 3 < bytes.Count).ToList();
            if (starts.Count == 0)
            {
                return "no separator to change";
            }

            var at = starts[random.Next(starts.Count)] + 3;
            var separators = new[] { (byte)'-', (byte)' ', (byte)'_', (byte)'\t', (byte)'+' };
            bytes[at] = separators[random.Next(separators.Length)];
            return $"separator at {at} is now '{(char)bytes[at]}'";
        }

        private static string MixCodes(Random random, List<byte> bytes)
        {
            var starts = LineStarts(bytes).Where(s => s + 3 <= bytes.Count).ToList();
            if (starts.Count == 0)
            {
                return "no code to change";
            }

            var at = starts[random.Next(starts.Count)];
            var code = Encoding.ASCII.GetBytes(random.Next(200, 600).ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (var i = 0; i < 3; i++)
            {
                bytes[at + i] = code[i];
            }

            return "one line's code is now " + Encoding.ASCII.GetString(code);
        }

        private static string FloodLines(Random random, List<byte> bytes)
        {
            var count = random.Next(400, 2000);
            var line = Encoding.ASCII.GetBytes("250-X-FLOOD\r\n");
            bytes.InsertRange(0, Enumerable.Range(0, count).SelectMany(_ => line));
            return $"{count} continuation lines in front";
        }

        private static string InvalidUtf8(Random random, List<byte> bytes)
        {
            var bad = BadUtf8[random.Next(BadUtf8.Length)];
            bytes.InsertRange(random.Next(bytes.Count + 1), bad);
            return "invalid UTF-8 " + string.Join(" ", bad.Select(b => b.ToString("x2")));
        }

        private static string AppendAnotherReply(Random random, List<byte> bytes)
        {
            var other = PostfixTranscripts.Replies[random.Next(PostfixTranscripts.Replies.Count)];
            bytes.AddRange(Encoding.ASCII.GetBytes(other));
            return "followed by '" + Short(other) + "'";
        }

        private static string DropFinalLineEnd(Random random, List<byte> bytes)
        {
            while (bytes.Count > 0 && (bytes[bytes.Count - 1] == '\n' || bytes[bytes.Count - 1] == '\r'))
            {
                bytes.RemoveAt(bytes.Count - 1);
            }

            return "no final line end";
        }

        private static string BareLineEnds(Random random, List<byte> bytes)
        {
            var keep = random.Next(2) == 0 ? (byte)'\n' : (byte)'\r';
            for (var i = bytes.Count - 2; i >= 0; i--)
            {
                if (bytes[i] == '\r' && bytes[i + 1] == '\n')
                {
                    bytes.RemoveAt(keep == '\n' ? i : i + 1);
                }
            }

            return keep == '\n' ? "bare LF line ends" : "bare CR line ends";
        }

        private static List<int> LineStarts(List<byte> bytes)
        {
            var starts = new List<int> { 0 };
            for (var i = 0; i < bytes.Count - 1; i++)
            {
                if (bytes[i] == '\n')
                {
                    starts.Add(i + 1);
                }
            }

            return starts;
        }

        private static string Short(string reply)
        {
            var first = reply.Split('\r')[0];
            return first.Length > 30 ? first.Substring(0, 30) + "..." : first;
        }
    }
}
