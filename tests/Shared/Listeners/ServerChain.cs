using System.Linq;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>What a fake server presents (its leaf, with key, and the intermediates sent after it) and the root a client is told to trust.</summary>
    public sealed record ServerChain(X509Certificate2 Leaf, X509Certificate2[] Intermediates, X509Certificate2 Trust)
    {
        /// <summary>The presented certificates, leaf first, as a client receives them.</summary>
        public X509Certificate2[] Presented => new[] { Leaf }.Concat(Intermediates).ToArray();
    }
}
