using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace SmtpTools.Module.Tests
{
    /// <summary>Everything one script produced: output and every stream, as a user's session would see it.</summary>
    public sealed class PowerShellRun
    {
        public IReadOnlyList<PSObject> Output { get; init; } = new List<PSObject>();

        public IReadOnlyList<ErrorRecord> Errors { get; init; } = new List<ErrorRecord>();

        public IReadOnlyList<string> Verbose { get; init; } = new List<string>();

        public IReadOnlyList<string> Warnings { get; init; } = new List<string>();

        public IReadOnlyList<string> Debug { get; init; } = new List<string>();

        public IReadOnlyList<string> Information { get; init; } = new List<string>();

        public IReadOnlyList<ProgressRecord> Progress { get; init; } = new List<ProgressRecord>();

        /// <summary>A terminating error, if the script threw.</summary>
        public RuntimeException? Terminating { get; init; }

        /// <summary>The base objects of the output, cast.</summary>
        public IEnumerable<T> Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>();

        /// <summary>Every error id, with the terminating one.</summary>
        public IEnumerable<string> ErrorIds => Errors.Select(e => e.FullyQualifiedErrorId)
            .Concat(Terminating?.ErrorRecord is { } r ? new[] { r.FullyQualifiedErrorId } : new string[0]);

        /// <summary>All text any stream or error carried, for secret-hygiene checks.</summary>
        public IEnumerable<string> AllText =>
            Verbose.Concat(Warnings).Concat(Debug).Concat(Information)
                .Concat(Errors.SelectMany(e => new[] { e.ToString(), e.Exception?.ToString() ?? string.Empty, e.ErrorDetails?.Message ?? string.Empty }))
                .Concat(Output.Select(o => o?.ToString() ?? string.Empty))
                .Concat(Terminating is null ? new string[0] : new[] { Terminating.ToString() });
    }
}
