using System;
using System.Collections.Generic;
using System.Linq;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// Real pwsh 7.6.9, the repository's local .NET tool (.config/dotnet-tools.json; `dotnet tool restore` installs it),
    /// for what needs a whole process of its own: a session where another module loaded first, a fresh Start-Job.
    /// </summary>
    internal static class Pwsh
    {
        /// <summary>Runs <c>dotnet pwsh</c> with <paramref name="arguments"/> from the repository root (where the tool
        /// manifest is found), bounded by <paramref name="timeout"/>.</summary>
        public static ChildProcess Run(IEnumerable<string> arguments, TimeSpan timeout) =>
            ChildProcess.Run("dotnet", new[] { "pwsh" }.Concat(arguments), timeout, Repo.Root);
    }
}
