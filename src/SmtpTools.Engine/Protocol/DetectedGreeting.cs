namespace SmtpTools.Protocol
{
    /// <summary>What <see cref="ISecurityDetection"/> found on a fresh connection.</summary>
    internal sealed class DetectedGreeting
    {
        public static readonly DetectedGreeting Silent = new DetectedGreeting(null, false);

        public static readonly DetectedGreeting ImplicitTlsElsewhere = new DetectedGreeting(null, true);

        public DetectedGreeting(SmtpReply? greeting, bool answeredTlsElsewhere)
        {
            Greeting = greeting;
            AnsweredTlsElsewhere = answeredTlsElsewhere;
        }

        /// <summary>The plaintext greeting; null when the port stayed silent.</summary>
        public SmtpReply? Greeting { get; }

        /// <summary>The port stayed silent and completed a TLS handshake on a second connection: it speaks implicit TLS.</summary>
        public bool AnsweredTlsElsewhere { get; }
    }
}
