using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace SmtpTools.Commands
{
    /// <summary>Tab completion for -Port: the four ports mail admins choose between, each with what it is for.</summary>
    public sealed class SmtpPortCompleter : IArgumentCompleter
    {
        private static readonly (int Port, string Meaning)[] Ports =
        {
            (465, "465: submissions, implicit TLS. Preferred for sending with a password (RFC 8314 3.3)."),
            (587, "587: submission, STARTTLS. Second choice for sending (RFC 6409); STARTTLS must be required."),
            (25, "25: relay between mail servers (MX). Not for clients with a password; often blocked."),
            (2525, "2525: unofficial alternative to 587 offered by some providers."),
        };

        /// <inheritdoc />
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            return Ports
                .Where(p => p.Port.ToString().StartsWith(typed, System.StringComparison.Ordinal))
                .Select(p => new CompletionResult(p.Port.ToString(), p.Port.ToString(), CompletionResultType.ParameterValue, p.Meaning));
        }
    }
}
