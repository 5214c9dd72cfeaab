using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools.Tls
{
    /// <summary>
    /// What the platform's chain engine said of one presented chain under one set of trusted roots: the path it built
    /// (leaf first; kept while remembered, so never disposed by a caller) and the trust facts that do not depend on
    /// the clock or the host name.
    /// </summary>
    internal sealed class JudgedChain
    {
        public JudgedChain(IReadOnlyList<X509Certificate2> path, bool isSelfSigned, bool chainComplete, bool isTrusted, IReadOnlyList<string> chainStatus)
        {
            Path = path;
            IsSelfSigned = isSelfSigned;
            ChainComplete = chainComplete;
            IsTrusted = isTrusted;
            ChainStatus = chainStatus;
        }

        public IReadOnlyList<X509Certificate2> Path { get; }

        public bool IsSelfSigned { get; }

        public bool ChainComplete { get; }

        public bool IsTrusted { get; }

        public IReadOnlyList<string> ChainStatus { get; }
    }
}
