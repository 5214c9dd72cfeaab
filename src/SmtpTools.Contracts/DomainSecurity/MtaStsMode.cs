namespace SmtpTools
{
    /// <summary>The mode of an MTA-STS policy (RFC 8461 5).</summary>
    public enum MtaStsMode
    {
        /// <summary>No usable policy: none published, or the record or policy could not be used.</summary>
        NoPolicy = 0,

        /// <summary>"none": the domain withdraws its policy; senders treat it as having none.</summary>
        None = 1,

        /// <summary>"testing": senders report failures (TLS-RPT) but deliver anyway.</summary>
        Testing = 2,

        /// <summary>"enforce": senders deliver only to MX hosts the policy names, over TLS with a valid certificate.</summary>
        Enforce = 3,
    }
}
