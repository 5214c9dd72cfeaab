using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Tab completion from a list of values, each with what it means (the tooltip): the values that start with what was
    /// typed, quotes ignored, in the list's order. The -Port, -Encoding and -DnsServer completers are lists of this kind.
    /// </summary>
    public abstract class ValueCompleter : IArgumentCompleter
    {
        /// <summary>How typed text is compared with the values.</summary>
        protected virtual StringComparison Comparison => StringComparison.OrdinalIgnoreCase;

        /// <summary>The values to offer, best first, each with its meaning.</summary>
        protected abstract IEnumerable<(string Value, string Meaning)> Values();

        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return Values()
                .Where(v => v.Value.StartsWith(typed, Comparison))
                .Select(v => new CompletionResult(v.Value, v.Value, CompletionResultType.ParameterValue, v.Meaning));
        }
    }
}
