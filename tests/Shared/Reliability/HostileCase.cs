namespace SmtpTools.Tests.Reliability
{
    /// <summary>The classes of hostile-server cases the reliability figures count, each tried and held (issue 13).</summary>
    public enum HostileCase
    {
        /// <summary>A certificate the policy must refuse (bad chain dates, usage, name, weak crypto, revoked) was refused.</summary>
        CertificateRefused,

        /// <summary>A body with bare CR, bare LF or a lone dot reached the wire as canonical CRLF lines, dot-stuffed.</summary>
        CanonicalBody,

        /// <summary>A server that never finishes (a reply, a SASL exchange) was cut off within the bound.</summary>
        BoundedConversation,

        /// <summary>Server text with control characters reached the console escaped.</summary>
        EscapeNeutralised,
    }
}
