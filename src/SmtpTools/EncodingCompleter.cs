using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace SmtpTools.Commands
{
    /// <summary>Tab completion for -Encoding: the names -Encoding understands, each with what it gives.</summary>
    public sealed class EncodingCompleter : IArgumentCompleter
    {
        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return EncodingTransformationAttribute.KnownNames
                .Where(e => e.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .Select(e => new CompletionResult(e.Name, e.Name, CompletionResultType.ParameterValue, e.Meaning));
        }
    }
}
