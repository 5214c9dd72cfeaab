namespace SmtpTools.Protocol
{
    /// <summary>What <see cref="ISecurityDetection"/> found on a fresh connection.</summary>
    internal sealed class DetectedGreeting
    {
        public static readonly DetectedGreeting Silent = new DetectedGreeting(null, false);

        public static readonly DetectedGreeting ImplicitTlsElsewhere = new DetectedGreeting(null, true);

        public DetectedGreeting(SmtpReply? greeting, bool answeredTlsElsewhere, bool late = false, SecondConnectionHandshake? tlsElsewhere = null)
        {
            Greeting = greeting;
            AnsweredTlsElsewhere = answeredTlsElsewhere;
            Late = late;
            TlsElsewhere = tlsElsewhere;
        }

        /// <summary>The plaintext greeting; null when the port stayed silent.</summary>
        public SmtpReply? Greeting { get; }

        /// <summary>The port stayed silent and completed a TLS handshake on a second connection: it speaks implicit TLS (a mismatch for an explicit clear mode).</summary>
        public bool AnsweredTlsElsewhere { get; }

        /// <summary>The greeting came only after the greeting wait, by the clock (as a rule our ClientHello on a second connection got SMTP back meanwhile).</summary>
        public bool Late { get; }

        /// <summary>
        /// The port stayed silent and the TLS handshake started beside it on a second connection is the conversation's
        /// now: finished (implicit TLS, or its failure), or still going when the greeting wait ran out. The first
        /// connection is to be closed; null when the handshake is still to be done on the first connection.
        /// </summary>
        public SecondConnectionHandshake? TlsElsewhere { get; }
    }
}
