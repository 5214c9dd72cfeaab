namespace SmtpTools.Tls
{
    /// <summary>What a server answered to one ClientHello of the cipher scan.</summary>
    internal sealed class CipherOffer
    {
        private CipherOffer(CipherOfferOutcome outcome, int suite, string? detail)
        {
            Outcome = outcome;
            Suite = suite;
            Detail = detail;
        }

        public CipherOfferOutcome Outcome { get; }

        /// <summary>The suite the server chose; -1 unless <see cref="CipherOfferOutcome.Chosen"/>.</summary>
        public int Suite { get; }

        /// <summary>Why there is no answer, for <see cref="CipherOfferOutcome.Failed"/>.</summary>
        public string? Detail { get; }

        public static CipherOffer Chosen(int suite) => new CipherOffer(CipherOfferOutcome.Chosen, suite, null);

        public static CipherOffer NoneInCommon { get; } = new CipherOffer(CipherOfferOutcome.NoneInCommon, -1, null);

        public static CipherOffer VersionRefused { get; } = new CipherOffer(CipherOfferOutcome.VersionRefused, -1, "The server refused the TLS version.");

        public static CipherOffer Failed(string detail) => new CipherOffer(CipherOfferOutcome.Failed, -1, detail);
    }
}
