using System;
using System.Collections.Generic;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>One message whose data a <see cref="FakeSmtpServer"/> received up to the final dot, and what the server did with it.</summary>
    public sealed class FakeMessage
    {
        /// <summary>The outcome the server gave the message.</summary>
        public enum Verdict
        {
            /// <summary>The reply to the final dot is still being sent.</summary>
            Pending,

            /// <summary>A 2xx reply: the server took responsibility for the message.</summary>
            Accepted,

            /// <summary>A 4xx or 5xx reply: the server refused it.</summary>
            Refused,

            /// <summary>No reply (hang-up or silence after the dot): as far as the client knows the server may have it; counts as delivered.</summary>
            Dropped,
        }

        /// <summary>1 for the first message the server received (across connections), 2 for the next...</summary>
        public int Number { get; internal set; }

        /// <summary>The connection it came on (1-based).</summary>
        public int Connection { get; internal set; }

        /// <summary>The Message-ID header without angle brackets, or empty.</summary>
        public string MessageId { get; internal set; } = string.Empty;

        /// <summary>MAIL FROM's address.</summary>
        public string Sender { get; internal set; } = string.Empty;

        /// <summary>Every RCPT TO address the server accepted.</summary>
        public List<string> Recipients { get; } = new List<string>();

        /// <summary>The data, dot-unstuffed, lines joined with CR LF.</summary>
        public string Data { get; internal set; } = string.Empty;

        /// <summary>The bytes after the 354 reply exactly as they crossed the wire, the final ".\r\n" included.</summary>
        public byte[] RawData { get; internal set; } = Array.Empty<byte>();

        /// <summary>What the server did with it.</summary>
        public Verdict Outcome { get; internal set; }

        /// <summary>The server accepted it or may have (a drop after the dot): it counts as one delivery.</summary>
        public bool CountsAsDelivered => Outcome == Verdict.Accepted || Outcome == Verdict.Dropped;
    }
}
