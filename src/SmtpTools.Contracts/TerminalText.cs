using System.Globalization;
using System.Text;

namespace SmtpTools
{
    /// <summary>
    /// Makes text from a server safe to show on a terminal. A banner or reply can carry escape sequences
    /// (ESC ] 0 ; title BEL retitles the window, ESC [ 31 m recolours it, others have done worse); every view, error
    /// message and verbose line of SmtpTools shows server text through <see cref="Escape"/>. The objects' properties
    /// keep the raw text for scripts.
    /// </summary>
    public static class TerminalText
    {
        /// <summary>
        /// The text with C0 and C1 control characters, DEL and Unicode bidirectional overrides written as visible
        /// escapes (<c>\x1B</c>, <c>\r</c>, <c>\n</c>, <c>\t</c>, <c>\u202E</c>); a backslash stays as it is. Null stays null.
        /// </summary>
        public static string? Escape(string? text)
        {
            if (text == null || !NeedsEscaping(text))
            {
                return text;
            }

            var escaped = new StringBuilder(text.Length + 16);
            foreach (var c in text)
            {
                switch (c)
                {
                    case '\r': escaped.Append("\\r"); break;
                    case '\n': escaped.Append("\\n"); break;
                    case '\t': escaped.Append("\\t"); break;
                    default:
                        if (IsUnsafe(c))
                        {
                            escaped.Append(c <= 0xFF ? "\\x" + ((int)c).ToString("X2", CultureInfo.InvariantCulture) : "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture));
                        }
                        else
                        {
                            escaped.Append(c);
                        }

                        break;
                }
            }

            return escaped.ToString();
        }

        private static bool NeedsEscaping(string text)
        {
            foreach (var c in text)
            {
                if (IsUnsafe(c))
                {
                    return true;
                }
            }

            return false;
        }

        // C0, DEL, C1; the bidi embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069) that reorder what follows.
        private static bool IsUnsafe(char c) =>
            c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    }
}
