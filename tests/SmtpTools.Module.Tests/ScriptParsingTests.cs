using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation.Language;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>Every PowerShell file parses, so a syntax error shows here even in a script no other test runs (build.ps1's
    /// Docs and Package tasks, the examples).</summary>
    public sealed class ScriptParsingTests
    {
        public static IEnumerable<object[]> Scripts() =>
            Directory.EnumerateFiles(Repo.Root, "*.ps*1", SearchOption.AllDirectories)
                .Where(p => p.EndsWith(".ps1") || p.EndsWith(".psm1") || p.EndsWith(".psd1"))
                .Select(p => Path.GetRelativePath(Repo.Root, p))
                .Where(p => !p.Split(Path.DirectorySeparatorChar).Any(part => part is "out" or "bin" or "obj" or ".git"))
                .OrderBy(p => p)
                .Select(p => new object[] { p });

        [Theory]
        [MemberData(nameof(Scripts))]
        public void Every_PowerShell_file_in_the_repository_parses(string relativePath)
        {
            Parser.ParseFile(Path.Combine(Repo.Root, relativePath), out _, out var errors);
            Assert.True(errors.Length == 0, string.Join("\n", errors.Select(e => $"{relativePath}:{e.Extent.StartLineNumber}: {e.Message}")));
        }
    }
}
