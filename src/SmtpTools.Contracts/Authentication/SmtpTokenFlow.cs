namespace SmtpTools
{
    /// <summary>How an access token was obtained, and so how it is renewed.</summary>
    public enum SmtpTokenFlow
    {
        /// <summary>Given to -AccessToken as a string or SecureString: never renewed.</summary>
        Supplied,

        /// <summary>Microsoft app-only, client credentials with a certificate (a signed client assertion).</summary>
        ClientCertificate,

        /// <summary>Microsoft app-only, client credentials with a client secret.</summary>
        ClientSecret,

        /// <summary>Microsoft delegated, a user signed in with the device-code flow; renewed with the refresh token MSAL keeps.</summary>
        DeviceCode,

        /// <summary>Google service account with domain-wide delegation (JWT bearer grant), acting for a Workspace user.</summary>
        ServiceAccount,
    }
}
