namespace SmtpTools
{
    /// <summary>Whose preference decides the cipher suite of a handshake at one TLS version.</summary>
    public enum TlsCipherOrder
    {
        /// <summary>Not known: fewer than two suites accepted, or the scan did not finish.</summary>
        Unknown = 0,

        /// <summary>
        /// The server picks by its own order whatever the client offers first (Postfix: tls_preempt_cipherlist = yes);
        /// <see cref="TlsCipherSuite.Preference"/> gives its rank.
        /// </summary>
        Server = 1,

        /// <summary>The server takes the client's first suite it accepts (Postfix's default): the client decides.</summary>
        Client = 2,
    }
}
