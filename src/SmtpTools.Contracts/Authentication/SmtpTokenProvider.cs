namespace SmtpTools
{
    /// <summary>Who issued an OAuth 2.0 access token, as far as its claims tell.</summary>
    public enum SmtpTokenProvider
    {
        /// <summary>Not a token whose claims we can read (an opaque token, such as Google's own ya29. tokens).</summary>
        Unknown,

        /// <summary>Microsoft Entra ID (Microsoft 365, Exchange Online).</summary>
        Microsoft365,

        /// <summary>Google (Workspace, Gmail).</summary>
        Google,
    }
}
