namespace SmtpTools.Tests.Identity
{
    /// <summary>One request the identity provider's token endpoint answered, without any secret it carried.</summary>
    public sealed record TokenRequestRecord(string GrantType, string ClientId, string Scope, string Credential, bool Granted, string? Error);
}
