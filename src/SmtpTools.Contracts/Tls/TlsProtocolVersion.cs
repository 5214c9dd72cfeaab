namespace SmtpTools
{
    /// <summary>A TLS protocol version, named so scripts can compare it (<c>-ge 'Tls12'</c>).</summary>
    public enum TlsProtocolVersion
    {
        /// <summary>Not negotiated or not known.</summary>
        None = 0,

        /// <summary>SSL 3.0 (RFC 6101), broken.</summary>
        Ssl3 = 1,

        /// <summary>TLS 1.0 (RFC 2246), deprecated by RFC 8996.</summary>
        Tls10 = 2,

        /// <summary>TLS 1.1 (RFC 4346), deprecated by RFC 8996.</summary>
        Tls11 = 3,

        /// <summary>TLS 1.2 (RFC 5246).</summary>
        Tls12 = 4,

        /// <summary>TLS 1.3 (RFC 8446).</summary>
        Tls13 = 5,
    }
}
