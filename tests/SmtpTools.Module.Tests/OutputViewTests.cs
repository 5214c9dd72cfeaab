using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// Every output type's default, table and list views, rendered through the module's format file exactly as pwsh
    /// renders them, on an 80-column screen (still the default of many consoles and of Out-File) and on 120: nothing
    /// wider than the screen, no header wrapped over several lines, no value cut short, and every label a property a
    /// script can select by the same name.
    /// </summary>
    public sealed class OutputViewTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;

        public OutputViewTests(ModuleFixture fixture) => _fixture = fixture;

        private TestServer Server => _fixture.Server;

        // Each script makes one kind of output object; {0} is "| Format-Table", "| Format-List" or nothing (the default view).
        private static readonly (string Type, string Script, string Key)[] Scripts =
        {
            ("SmtpPortResult", "Test-SmtpPort -ComputerName localhost -Port $args[0], $args[2], $args[5], $args[6], 1 -TrustedCertificate $args[1] -TimeoutSec 5 -InputOrder {0}", "Port"),
            ("SmtpSubmissionRecommendation", "Test-SmtpPort -ComputerName localhost -Port $args[0], $args[5] -TrustedCertificate $args[1] -TimeoutSec 5 -Recommended {0}", "Rating"),
            ("SmtpCapabilityReport", "Get-SmtpCapability -ComputerName localhost -Port $args[0], $args[6] -TrustedCertificate $args[1] -TimeoutSec 5 -SkipTlsVersionScan {0}", "Security"),
            ("SmtpFinding", "(Get-SmtpCapability -ComputerName localhost -Port $args[2] -TrustedCertificate $args[1] -TimeoutSec 5).Findings {0}", "Severity"),
            ("TlsVersionSupport", "(Get-SmtpCapability -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5).TlsVersions {0}", "Outcome"),
            ("TlsCipherSuiteScan", "(Get-SmtpCapability -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -ScanCipherSuites).CipherSuiteScans {0}", "Version"),
            ("TlsCipherSuite", "(Get-SmtpCapability -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -ScanCipherSuites).AcceptedCipherSuites {0}", "Name"),
            ("SmtpSendResult", "$c = [pscredential]::new($args[3], [System.Net.NetworkCredential]::new('', $args[4]).SecurePassword); Send-SecureMail -SmtpServer localhost -Port $args[0] -Credential $c -TrustedCertificate $args[1] -From $args[3] -To $args[3] -Subject 'view test' -Body 'x' -PassThru {0}", "Status"),
        };

        // Only the findings table may cut its last column, the message: findings are prose, read in the list view.
        private static readonly HashSet<string> MayCutLastColumn = new HashSet<string> { "SmtpFinding|Format-Table" };

        public static IEnumerable<object[]> Views() =>
            from script in Scripts
            from format in new[] { string.Empty, "Format-Table", "Format-List" }
            from width in new[] { 80, 120 }
            select new object[] { script.Type, format, width };

        [Theory]
        [MemberData(nameof(Views))]
        public void Each_view_fits_the_screen_with_one_header_line_and_no_value_cut(string type, string format, int width)
        {
            var (_, script, key) = Scripts.Single(s => s.Type == type);
            var rendered = _fixture.ViewsAt(width).Render(
                script.Replace("{0}", format.Length == 0 ? string.Empty : "| " + format),
                Server.Submission, Server.CaFile, Server.Plain, Server.User, Server.Password, Server.Submissions, Server.Ports["expired"]);
            var screen = string.Join("\n", rendered.Lines);

            Assert.True(rendered.Run.Errors.Count == 0, type + ": " + string.Join("; ", rendered.Run.Errors));
            Assert.All(rendered.Lines, l => Assert.True(l.Length <= width, $"{type} {format}: a line of {l.Length} columns on {width}:\n{screen}"));
            var dashes = rendered.Lines.Select((l, i) => (l, i)).Where(x => x.l.Trim().Length > 0 && x.l.Trim().All(c => c == '-' || c == ' ')).Select(x => x.i).ToList();
            if (dashes.Count > 0)
            {
                // A table: its header is one line, directly above the dashes, with nothing but a blank line above it.
                var header = dashes[0] - 1;
                Assert.Contains(key, rendered.TableHeader());
                Assert.True(header == 0 || rendered.Lines[header - 1].Trim().Length == 0, $"{type} {format}: the header wraps on {width} columns:\n{screen}");
            }
            else
            {
                Assert.Contains(key, rendered.ListEntries().Keys);
            }

            if (!MayCutLastColumn.Contains(type + "|" + (dashes.Count > 0 ? "Format-Table" : format)))
            {
                Assert.False(screen.Contains('\u2026'), $"{type} {format}: a value is cut short on {width} columns:\n{screen}");
            }
        }

        [Fact]
        public void Every_label_of_every_view_is_a_property_scripts_can_select()
        {
            var views = XDocument.Load(Path.Combine(Repo.Root, "SmtpTools.Format.ps1xml")).Descendants("View").ToList();
            var missing = new List<string>();
            foreach (var view in views)
            {
                var type = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value;
                var labels = view.Descendants("TableColumnHeader").Select(h => h.Element("Label")?.Value)
                    .Concat(view.Descendants("ListItem").Select(i => i.Element("Label")?.Value ?? i.Element("PropertyName")?.Value))
                    .Where(l => l != null).Distinct();
                foreach (var label in labels)
                {
                    var run = _fixture.PowerShell.Run("[bool]([type]$args[0]).GetProperty($args[1])", type, label);
                    if (run.Output.Count != 1 || !(bool)run.Output[0].BaseObject)
                    {
                        missing.Add($"{type}.{label} ({view.Element("Name")!.Value})");
                    }
                }
            }

            Assert.True(missing.Count == 0, "labels that are not properties: " + string.Join(", ", missing));
        }

        [Theory]
        [InlineData(80)]
        [InlineData(120)]
        public void The_audit_with_a_cipher_scan_sums_up_each_version_in_its_default_view(int width)
        {
            var rendered = _fixture.ViewsAt(width).Render(
                "Get-SmtpCapability -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -ScanCipherSuites",
                Server.Submission, Server.CaFile);
            var screen = string.Join("\n", rendered.Lines);

            Assert.True(rendered.Run.Errors.Count == 0, string.Join("; ", rendered.Run.Errors));
            Assert.All(rendered.Lines, l => Assert.True(l.Length <= width, $"a line of {l.Length} columns on {width}:\n{screen}"));
            Assert.Matches(@"CipherSuiteScans\s*: Tls12: \d+ accepted, \w+ order", screen);
            Assert.Matches(@"\n\s+Tls13: \d+ accepted", screen);
        }

        [Fact]
        public void Dates_are_shown_in_ISO_form_and_an_expired_certificate_says_how_long_ago()
        {
            var rendered = _fixture.NarrowViews.Render(
                "Get-SmtpCapability -ComputerName localhost -Port $args[0] -TrustedCertificate $args[1] -TimeoutSec 5 -SkipTlsVersionScan",
                Server.Ports["expired"], Server.CaFile);
            // Word-wrapped continuation lines read as one text.
            var screen = System.Text.RegularExpressions.Regex.Replace(string.Join("\n", rendered.Lines), "\n +", " ");

            Assert.Matches(@"\d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}: expired \d{4}-\d{2}-\d{2} \(\d+ days? ago\)", screen);
            Assert.DoesNotContain("days left", screen);
            Assert.DoesNotMatch(@"\d{2}/\d{2}/\d{4}", screen);
        }
    }
}
