namespace SmtpTools
{
    /// <summary>What a server answered when offered exactly one TLS version.</summary>
    public enum TlsVersionOutcome
    {
        /// <summary>The server refused the version with a protocol_version alert (RFC 8446 6.2, RFC 5246 7.2.2).</summary>
        Rejected = 0,

        /// <summary>The handshake completed with this version.</summary>
        Accepted = 1,

        /// <summary>
        /// The server took the version but found no cipher suite in common with the scanner's offer (a handshake_failure
        /// or insufficient_security alert): the version is enabled, a client with other suites may well use it.
        /// </summary>
        AcceptedNoCommonCipher = 2,

        /// <summary>No verdict: the connection failed, timed out, was closed without an alert, or TLS is not spoken there.</summary>
        Failed = 3,
    }
}
