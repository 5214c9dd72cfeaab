using System.Collections.Generic;
using System.Linq;

namespace SmtpTools.Commands
{
    /// <summary>Tab completion for -DnsServer: this computer's own resolvers (read from its configuration, nothing is sent).</summary>
    public sealed class DnsServerCompleter : ValueCompleter
    {
        /// <inheritdoc />
        protected override IEnumerable<(string Value, string Meaning)> Values() =>
            Discovery.DnsResolver.SystemServers().Select(s => (s, s + ": one of this computer's DNS resolvers."));
    }
}
