namespace SmtpTools.Capability
{
    /// <summary>What an AUTH exchange ended with.</summary>
    internal sealed class SaslOutcome
    {
        public SaslOutcome(SmtpAuthenticationResult result, string? mechanism, string message)
        {
            Result = result;
            Mechanism = mechanism;
            Message = message;
        }

        public SmtpAuthenticationResult Result { get; }

        public string? Mechanism { get; }

        public string Message { get; }
    }
}
