namespace SmtpTools.Protocol
{
    /// <summary>The reply codes the conversation branches on, by their RFC 5321 4.2.2 names.</summary>
    internal static class SmtpReplyCode
    {
        /// <summary>220: the greeting of a server that takes a session, and the answer to STARTTLS (RFC 3207 4).</summary>
        public const int ServiceReady = 220;

        /// <summary>235: AUTH succeeded (RFC 4954 6).</summary>
        public const int AuthenticationSucceeded = 235;

        /// <summary>250: the requested action was completed (EHLO among others).</summary>
        public const int Completed = 250;

        /// <summary>334: the server waits for the next SASL step (RFC 4954 4).</summary>
        public const int ContinueAuthentication = 334;
    }
}
