using System;
using System.Collections.Generic;

namespace SmtpTools.Protocol
{
    /// <summary>One SMTP reply (RFC 5321 4.2): a three-digit code and one or more text lines.</summary>
    internal sealed class SmtpReply
    {
        public SmtpReply(int code, IReadOnlyList<string> lines)
        {
            Code = code;
            Lines = lines;
        }

        /// <summary>The three-digit reply code.</summary>
        public int Code { get; }

        /// <summary>The text of each line, without the code and separator.</summary>
        public IReadOnlyList<string> Lines { get; }

        public bool IsPositive => Code >= 200 && Code < 400;

        public bool IsTransientFailure => Code >= 400 && Code < 500;

        public bool IsPermanentFailure => Code >= 500;

        /// <summary>The reply in wire form again: "250-first\r\n250 last\r\n".</summary>
        public string ToWire()
        {
            var wire = new System.Text.StringBuilder();
            for (var i = 0; i < Lines.Count; i++)
            {
                wire.Append(Code).Append(i == Lines.Count - 1 ? ' ' : '-').Append(Lines[i]).Append("\r\n");
            }

            return wire.ToString();
        }

        /// <summary>The reply as the server sent it, lines joined with a space, for messages and results.</summary>
        public string Text => Code + " " + string.Join(" ", Lines);

        public override string ToString() => Text;
    }
}
