using System.Linq;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    public sealed class TerminalTextWrapTests
    {
        [Fact]
        public void Prose_is_broken_at_spaces_into_lines_no_longer_than_the_width()
        {
            const string reason = "Implicit TLS with a valid certificate: the preferred way to submit mail (RFC 8314 3.3).";

            var lines = TerminalText.Wrap(reason, 30)!.Split('\n');

            Assert.All(lines, l => Assert.True(l.Length <= 30, l));
            Assert.Equal(reason, string.Join(" ", lines));
            Assert.Equal("Implicit TLS with a valid", lines[0]);
        }

        [Fact]
        public void Short_text_and_null_stay_as_they_are()
        {
            Assert.Equal("valid", TerminalText.Wrap("valid", 30));
            Assert.Null(TerminalText.Wrap(null, 30));
        }

        [Fact]
        public void A_word_longer_than_the_line_is_cut_rather_than_overflowing()
        {
            var lines = TerminalText.Wrap("see " + new string('x', 25), 10)!.Split('\n');

            Assert.All(lines, l => Assert.True(l.Length <= 10, l));
            Assert.Equal(25, lines.Skip(1).Sum(l => l.Length));
        }

        [Fact]
        public void Control_characters_are_escaped_before_wrapping_so_none_reach_the_terminal()
        {
            var wrapped = TerminalText.Wrap("220 \u001b]0;owned\u0007 ready and waiting for you", 12)!;

            Assert.DoesNotContain('\u001b', wrapped);
            Assert.DoesNotContain('\u0007', wrapped);
            Assert.Contains("\\x1B", wrapped);
        }
    }
}
