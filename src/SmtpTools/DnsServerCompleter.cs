using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace SmtpTools.Commands
{
    /// <summary>Tab completion for -DnsServer: this computer's own resolvers (read from its configuration, nothing is sent).</summary>
    public sealed class DnsServerCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return Discovery.DnsResolver.SystemServers()
                .Where(s => s.StartsWith(typed, System.StringComparison.OrdinalIgnoreCase))
                .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, s + ": one of this computer's DNS resolvers."));
        }
    }
}
