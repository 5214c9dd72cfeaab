using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation.Language;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>build.ps1 and the Pester suite run on maintainers' machines with pwsh; here we at least prove they parse.</summary>
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
