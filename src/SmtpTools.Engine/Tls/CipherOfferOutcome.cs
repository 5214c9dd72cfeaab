namespace SmtpTools.Tls
{
    /// <summary>The kinds of answer to one ClientHello of the cipher scan.</summary>
    internal enum CipherOfferOutcome
    {
        /// <summary>A ServerHello (or a TLS 1.3 HelloRetryRequest) naming one of the offered suites.</summary>
        Chosen,

        /// <summary>A handshake_failure or insufficient_security alert: none of the offered suites is acceptable.</summary>
        NoneInCommon,

        /// <summary>A protocol_version alert.</summary>
        VersionRefused,

        /// <summary>Anything else: another alert, a closed connection, a timeout, not TLS.</summary>
        Failed,
    }
}
