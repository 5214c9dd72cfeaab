using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SmtpTools.Tests.Reliability;
using Xunit;

namespace SmtpTools.Module.Tests.Reliability
{
    /// <summary>What every reliability scenario checks on a run, whatever the fault: no exception escaped, every error is ours and says what to do.</summary>
    internal static class ReliabilityChecks
    {
        /// <summary>The ids PowerShell's parameter binder gives bad input before a cmdlet runs: errors we accept besides our own.</summary>
        private static readonly string[] BindingIds =
        {
            "ParameterArgumentValidationError", "ParameterArgumentTransformationError", "ParameterBindingFailed",
            "InputObjectNotBound", "CannotConvertArgumentNoMessage", "ParameterArgumentValidationErrorNullNotAllowed",
            "ParameterArgumentValidationErrorEmptyStringNotAllowed", "ParameterArgumentValidationErrorEmptyArrayNotAllowed",
        };

        /// <summary>
        /// Nothing escaped as a terminating exception, and every error is an ErrorRecord with a stable SmtpTools.* id (or
        /// the binder's id for bad input) and a message of its own, not a bare exception type.
        /// </summary>
        public static void ErrorsAreActionable(PowerShellRun run)
        {
            Assert.True(run.Terminating == null, "An exception escaped: " + run.Terminating);
            foreach (var error in run.Errors)
            {
                var id = error.FullyQualifiedErrorId.Split(',')[0];
                Assert.True(
                    id.StartsWith("SmtpTools.", StringComparison.Ordinal) || BindingIds.Contains(id),
                    $"Error id '{error.FullyQualifiedErrorId}' is neither ours nor the parameter binder's: {error}");
                AssertActionable(error);
            }
        }

        /// <summary>The ids (before the comma) of every error, in order.</summary>
        public static string[] Ids(PowerShellRun run) => run.ErrorIds.Select(id => id.Split(',')[0]).ToArray();

        private static void AssertActionable(ErrorRecord error)
        {
            var message = error.ErrorDetails?.Message ?? error.Exception?.Message ?? string.Empty;
            Assert.False(string.IsNullOrWhiteSpace(message), $"Error {error.FullyQualifiedErrorId} has no message.");
            Assert.True(message.Length >= 20, $"Error {error.FullyQualifiedErrorId} says too little to act on: '{message}'.");
            Assert.DoesNotContain("Exception of type", message, StringComparison.Ordinal);
            Assert.DoesNotContain("Object reference not set", message, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", message, StringComparison.Ordinal); // no stack trace as the message
        }

        /// <summary>Hits of any secret form in every stream, error (with exception chains and ToString) and output property of the runs, and in the given files' text.</summary>
        public static int SecretHits(IEnumerable<PowerShellRun> runs, IEnumerable<string> forms, params string[] files)
        {
            var texts = runs.SelectMany(r => r.AllText
                    .Concat(r.Errors.SelectMany(e => ExceptionChain(e.Exception)))
                    .Concat(r.Terminating == null ? Array.Empty<string>() : ExceptionChain(r.Terminating))
                    .Concat(r.Output.SelectMany(o => o.Properties.Select(p => SafeText(p)))))
                .Concat(files.Where(System.IO.File.Exists).Select(System.IO.File.ReadAllText));
            return SecretForms.CountHits(texts, forms);
        }

        private static IEnumerable<string> ExceptionChain(Exception? e)
        {
            for (; e != null; e = e.InnerException)
            {
                yield return e.Message;
                yield return e.ToString();
            }
        }

        private static string SafeText(PSPropertyInfo property)
        {
            try
            {
                return property.Value?.ToString() ?? string.Empty;
            }
            catch (GetValueException)
            {
                return string.Empty;
            }
        }
    }
}
