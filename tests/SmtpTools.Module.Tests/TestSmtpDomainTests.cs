using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using Xunit;
using Xunit.Abstractions;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// Test-SmtpDomain against the real servers of tests/server/smtp-test-server.sh: Knot signs the transport-security
    /// zone, unbound validates it (the AD bit is real, a bogus zone is caught), nginx serves the MTA-STS policies with the
    /// test CA, and the test Postfix is every MX (the relay port, since 25 is not ours). Each case is a domain; each test
    /// checks the verdict a sending MTA that honours MTA-STS and DANE would reach.
    /// </summary>
    public sealed class TestSmtpDomainTests : IClassFixture<ModuleFixture>
    {
        private readonly ModuleFixture _fixture;
        private readonly ITestOutputHelper _output;

        public TestSmtpDomainTests(ModuleFixture fixture, ITestOutputHelper output)
        {
            _fixture = fixture;
            _output = output;
        }

        private TestServer Server => _fixture.Server;

        // ---- MTA-STS ----

        [Fact]
        public void Enforce_policy_whose_mx_is_covered_and_valid_is_authenticated()
        {
            var report = Check("enforce");

            Assert.Equal("Authenticated", report.Text("Verdict"));
            Assert.Equal("Enforce", report.Text("MtaStsMode"));
            Assert.Equal("20261201T000000", report.Text("MtaSts.Id"));
            Assert.Equal(new[] { Server.SecureCase("mx.enforce") }, report.Texts("MtaSts.MxPatterns"));
            var mx = Assert.Single(Hosts(report));
            Assert.Equal(true, mx.Get("MtaStsMatch"));
            Assert.Equal(true, mx.Get("CertificateValid"));
            Assert.Equal(true, mx.Get("StartTlsOffered"));
            Assert.Equal("Authenticated", mx.Text("Delivery"));
            Assert.StartsWith($"enforce: mail goes to {Server.SecureCase("mx.enforce")} over authenticated TLS", report.Text("VerdictReason"));
        }

        [Fact]
        public void Tls_rpt_record_gives_its_rua_targets()
        {
            var report = Check("enforce");

            Assert.Equal(new[] { $"mailto:tlsrpt@{Server.SecureCase("enforce")}", $"https://reports.{Server.SecureCase("enforce")}/v1/tlsrpt" }, report.Texts("TlsRpt.ReportUris"));
            Assert.DoesNotContain("TLSRPT_MISSING", FindingIds(report));
        }

        [Fact]
        public void Testing_mode_delivers_over_unauthenticated_tls_and_says_so()
        {
            var report = Check("testing");

            Assert.Equal("Opportunistic", report.Text("Verdict"));
            Assert.Equal("Testing", report.Text("MtaStsMode"));
            Assert.Contains("MTASTS_TESTING", FindingIds(report));
            Assert.Contains("TLSRPT_MISSING", FindingIds(report));
            Assert.StartsWith("testing: ", report.Text("VerdictReason"));
        }

        [Fact]
        public void Enforce_policy_whose_patterns_miss_an_mx_skips_that_mx()
        {
            var report = Check("missmx");

            Assert.Equal("Degraded", report.Text("Verdict"));
            var hosts = Hosts(report);
            Assert.Equal(new[] { "10", "20" }, hosts.Select(h => h.Text("Preference")!).ToArray());
            Assert.Equal(new[] { "Authenticated", "Skipped" }, hosts.Select(h => h.Text("Delivery")!).ToArray());
            Assert.Equal(false, hosts[1].Get("MtaStsMatch"));
            Assert.Contains("MTASTS_MX_NOT_COVERED", FindingIds(report));
            Assert.Contains($"mail to {Server.SecureCase("mx2.missmx")} would be skipped because the MTA-STS policy's mx patterns do not name it", report.Text("VerdictReason"));
        }

        [Fact]
        public void Enforce_policy_defers_mail_to_an_mx_whose_certificate_is_for_another_name()
        {
            var report = Check("wrongname");

            Assert.Equal("Degraded", report.Text("Verdict"));
            var hosts = Hosts(report);
            Assert.Equal(new[] { true, true }, hosts.Select(h => (bool)h.Get("MtaStsMatch")!).ToArray()); // the wildcard covers both
            Assert.Equal("Deferred", hosts[1].Text("Delivery"));
            Assert.Equal(false, hosts[1].Get("CertificateValid"));
            Assert.StartsWith($"enforce: mail to {Server.SecureCase("mx2.wrongname")} would be deferred because its certificate is for another name (wrong.example.invalid)", report.Text("VerdictReason"));
            Assert.Equal("High", Finding(report, "MX_CERTIFICATE_INVALID").Text("Severity"));
        }

        [Fact]
        public void Broken_mta_sts_and_tls_rpt_records_are_findings_and_no_policy()
        {
            var report = Check("badrecords");

            Assert.Equal("NoPolicy", report.Text("MtaStsMode"));
            Assert.Contains("no id field", report.Text("MtaSts.Problem"));
            Assert.Contains("MTASTS_RECORD_INVALID", FindingIds(report));
            Assert.Contains("TLSRPT_INVALID", FindingIds(report));
            Assert.Contains("ftp://reports.example", report.Text("TlsRpt.Problem"));
        }

        [Theory]
        [InlineData("sts-redirect", "redirects")]
        [InlineData("sts-type", "not text/plain")]
        [InlineData("sts-big", "larger than 64 KiB")]
        public void Policy_behind_a_redirect_of_another_media_type_or_too_large_is_refused(string label, string problem)
        {
            var report = Check(label);

            Assert.Equal("NoPolicy", report.Text("MtaStsMode"));
            Assert.Contains(problem, report.Text("MtaSts.Problem"));
            Assert.Contains("MTASTS_POLICY_INVALID", FindingIds(report));
            Assert.Equal("Opportunistic", report.Text("Verdict"));
        }

        // ---- DANE ----

        [Fact]
        public void Dane_ee_spki_sha256_record_that_matches_authenticates_the_mx()
        {
            var report = Check("dane-ee");

            Assert.Equal("Authenticated", report.Text("Verdict"));
            Assert.Equal(true, report.Get("MxSecure"));
            Assert.Equal(true, report.Get("Dane"));
            Assert.Equal(Server.Resolver, report.Text("DnsServer"));
            var mx = Assert.Single(Hosts(report));
            Assert.Equal("Matched", mx.Text("Dane"));
            Assert.StartsWith("3 1 1 ", mx.Text("MatchedTlsa"));
            Assert.Contains("DANE_MATCHED", FindingIds(report));
            Assert.StartsWith("DANE: mail goes to", report.Text("VerdictReason"));
        }

        [Theory]
        [InlineData("dane-ee-full", "3 0 0 ")]
        [InlineData("dane-ee-sha512", "3 0 2 ")]
        [InlineData("dane-ta", "2 0 1 ")]
        [InlineData("dane-ta-spki", "2 1 2 ")]
        public void Dane_records_of_each_usage_selector_and_matching_type_match_the_presented_chain(string label, string parameters)
        {
            var mx = Assert.Single(Hosts(Check(label)));

            Assert.Equal("Matched", mx.Text("Dane"));
            Assert.StartsWith(parameters, mx.Text("MatchedTlsa"));
            Assert.Equal("Authenticated", mx.Text("Delivery"));
        }

        [Fact]
        public void Dane_record_that_matches_nothing_defers_all_mail()
        {
            var report = Check("dane-bad");

            Assert.Equal("Deferred", report.Text("Verdict"));
            var mx = Assert.Single(Hosts(report));
            Assert.Equal("NotMatched", mx.Text("Dane"));
            Assert.Equal("Deferred", mx.Text("Delivery"));
            Assert.Equal("Critical", Finding(report, "DANE_NO_MATCH").Text("Severity"));
            Assert.Contains("no TLSA record matches", report.Text("VerdictReason"));
        }

        [Fact]
        public void Dane_records_with_only_pkix_usages_require_tls_without_authentication()
        {
            var report = Check("dane-pkix");

            var mx = Assert.Single(Hosts(report));
            Assert.Equal("Unusable", mx.Text("Dane"));
            Assert.Equal("Encrypted", mx.Text("Delivery"));
            Assert.Contains("DANE_UNUSABLE", FindingIds(report));
        }

        [Fact]
        public void Tlsa_in_an_unsigned_zone_is_ignored()
        {
            var report = Check($"dane.{Server.InsecureZone}");

            Assert.Equal("Opportunistic", report.Text("Verdict"));
            Assert.Equal(false, report.Get("MxSecure"));
            var mx = Assert.Single(Hosts(report));
            Assert.Equal("NotSecure", mx.Text("Dane"));
            Assert.Single(mx.Texts("TlsaRecords"));
            Assert.Contains("DANE_NOT_SECURE", FindingIds(report));
        }

        [Fact]
        public void Tlsa_counts_only_when_a_validating_resolver_vouches_for_it()
        {
            // The same signed records, asked of the authoritative Knot itself: it sets no AD bit, so nothing is vouched for.
            var report = Check("dane-ee", Server.DnsServer);

            Assert.Equal(false, report.Get("MxSecure"));
            Assert.Equal("NotSecure", Assert.Single(Hosts(report)).Text("Dane"));
            Assert.Equal("Opportunistic", report.Text("Verdict"));
        }

        [Fact]
        public void Bogus_signatures_make_the_mx_lookup_fail_and_mail_deferred()
        {
            var report = Check(Server.BogusZone);

            Assert.Equal("DnsFailure", report.Text("Verdict"));
            Assert.Empty(Hosts(report));
            Assert.Contains("SERVFAIL", Finding(report, "MX_DNS_FAILED").Text("Message"));
            Assert.Contains("would be deferred", report.Text("VerdictReason"));
        }

        // ---- no policy at all, no mail, blocked port ----

        [Fact]
        public void Domain_with_an_mx_and_no_policy_records_gets_opportunistic_tls()
        {
            var report = Check("plain");

            Assert.Equal("Opportunistic", report.Text("Verdict"));
            Assert.Equal("NoPolicy", report.Text("MtaStsMode"));
            Assert.Equal(false, report.Get("Dane"));
            Assert.Null(report.Get("TlsRpt.Record"));
            Assert.Contains("NO_TRANSPORT_POLICY", FindingIds(report));
            Assert.Equal("Encrypted", Assert.Single(Hosts(report)).Text("Delivery"));
        }

        [Fact]
        public void Domain_with_no_mx_and_no_address_takes_no_mail()
        {
            var report = Check("empty");

            Assert.Equal("NoMail", report.Text("Verdict"));
            Assert.Contains("NO_MAIL_HOST", FindingIds(report));
        }

        [Fact]
        public void No_mx_answering_while_another_port_does_says_the_port_is_probably_blocked_here()
        {
            var run = _fixture.PowerShell.Run(
                "Test-SmtpDomain -Domain $args[0] -DnsServer $args[1] -TrustedCertificate $args[2] -MxPort $args[3] -AlternatePort $args[4] -PolicyPort $args[5] -TimeoutSec 5",
                Server.SecureCase("plain"), Server.Resolver, Server.CaFile, Server.ClosedPort, Server.Submission, Server.AutoconfigPort);

            Assert.Empty(run.Errors);
            var report = Assert.Single(run.Output);
            Assert.Equal("Unreachable", report.Text("Verdict"));
            Assert.Contains("probably blocked on this network", Finding(report, "OUTBOUND_PORT_BLOCKED").Text("Message"));
        }

        // ---- pipeline, scale ----

        [Fact]
        public void Domains_bind_by_property_name_from_csv_rows_and_Resolve_SmtpServer_output()
        {
            var run = _fixture.PowerShell.Run(
                "$rows = @([pscustomobject]@{ Domain = $args[0] }, [pscustomobject]@{ Domain = $args[1] }); " +
                "@($rows) + @(Resolve-SmtpServer -Domain $args[1] -DnsServer $args[2] -MxPort $args[4] -AutoconfigPort $args[5] -TimeoutSec 5) | " +
                "Test-SmtpDomain -DnsServer $args[2] -TrustedCertificate $args[3] -MxPort $args[4] -PolicyPort $args[5] -TimeoutSec 5",
                Server.SecureCase("plain"), Server.SecureCase("enforce"), Server.Resolver, Server.CaFile, Server.Relay, Server.AutoconfigPort);

            Assert.Empty(run.Errors);
            Assert.Equal(new[] { Server.SecureCase("plain"), Server.SecureCase("enforce") }, run.Output.Select(r => r.Text("Domain")!).ToArray());
        }

        [Fact]
        public void One_hundred_domains_finish_within_a_few_timeouts()
        {
            const int timeoutSec = 5;
            var domains = Enumerable.Range(1, Server.BulkDomains).Select(i => Server.SecureCase($"bulk-{i}")).ToArray();
            Assert.Equal(100, domains.Length);
            var watch = Stopwatch.StartNew();
            var run = _fixture.PowerShell.Run(
                "$args[0] | Test-SmtpDomain -DnsServer $args[1] -TrustedCertificate $args[2] -MxPort $args[3] -PolicyPort $args[4] -TimeoutSec $args[5]",
                domains, Server.Resolver, Server.CaFile, Server.Relay, Server.AutoconfigPort, timeoutSec);
            watch.Stop();
            _output.WriteLine($"100 domains: {watch.Elapsed.TotalSeconds:0.00} s");

            Assert.Empty(run.Errors);
            Assert.Equal(100, run.Output.Count);
            Assert.All(run.Output, r => Assert.True(r.Text("Verdict") == "Authenticated", $"{r.Text("Domain")}: {r.Text("Verdict")}: {r.Text("VerdictReason")} {string.Join(" ", FindingIds(r))} {r.Text("MtaSts.Problem")}"));
            Assert.True(watch.Elapsed.TotalSeconds < 3 * timeoutSec, $"100 domains took {watch.Elapsed.TotalSeconds:0.0} s");
        }

        // ---- views ----

        [Fact]
        public void Table_view_lists_many_domains_within_80_columns()
        {
            using var narrow = new ViewRenderer(80);
            var rendered = narrow.Render(
                "$args[0] | Test-SmtpDomain -DnsServer $args[1] -TrustedCertificate $args[2] -MxPort $args[3] -PolicyPort $args[4] -TimeoutSec 5",
                new[] { Server.SecureCase("enforce"), Server.SecureCase("wrongname"), Server.SecureCase("dane-ee"), Server.SecureCase("plain") },
                Server.Resolver, Server.CaFile, Server.Relay, Server.AutoconfigPort);

            Assert.Empty(rendered.Run.Errors);
            Assert.Equal(new[] { "Verdict", "MtaSts", "Dane", "TlsRpt", "MxHosts", "HighestSeverity", "Domain" }, rendered.TableHeader());
            Assert.All(rendered.Lines, line => Assert.True(line.TrimEnd().Length <= 79, line));
            Assert.Contains(rendered.TextLines, l => l.StartsWith("Degraded ", System.StringComparison.Ordinal)
                && l.Contains(" Enforce ", System.StringComparison.Ordinal) && l.Contains(" High ", System.StringComparison.Ordinal) && l.Contains(" wrongname.", System.StringComparison.Ordinal));
        }

        [Fact]
        public void List_view_shows_one_domain_with_its_verdict_mx_hosts_and_findings()
        {
            using var narrow = new ViewRenderer(120);
            var rendered = narrow.Render(
                "Test-SmtpDomain -Domain $args[0] -DnsServer $args[1] -TrustedCertificate $args[2] -MxPort $args[3] -PolicyPort $args[4] -TimeoutSec 5 | Format-List",
                Server.SecureCase("wrongname"), Server.Resolver, Server.CaFile, Server.Relay, Server.AutoconfigPort);

            Assert.Empty(rendered.Run.Errors);
            var entries = rendered.ListEntries();
            Assert.StartsWith("enforce: mail to", entries["VerdictReason"]);
            Assert.StartsWith($"10 {Server.SecureCase("mx1.wrongname")}: Authenticated", entries["MxHosts"]);
            Assert.Contains(rendered.TextLines, l => l.TrimStart().StartsWith($"20 {Server.SecureCase("mx2.wrongname")}: Deferred", System.StringComparison.Ordinal));
            Assert.Contains("MX_CERTIFICATE_INVALID", entries["Findings"]);
            Assert.All(rendered.Lines, line => Assert.True(line.TrimEnd().Length <= 120, line));
        }

        [Fact]
        public void Mx_hosts_table_fits_80_columns()
        {
            using var narrow = new ViewRenderer(80);
            var rendered = narrow.Render(
                "(Test-SmtpDomain -Domain $args[0] -DnsServer $args[1] -TrustedCertificate $args[2] -MxPort $args[3] -PolicyPort $args[4] -TimeoutSec 5).MxHosts",
                Server.SecureCase("wrongname"), Server.Resolver, Server.CaFile, Server.Relay, Server.AutoconfigPort);

            Assert.Empty(rendered.Run.Errors);
            Assert.Equal(new[] { "Preference", "TlsProtocol", "Certificate", "Dane", "Delivery", "HostName" }, rendered.TableHeader());
            Assert.All(rendered.Lines, line => Assert.True(line.TrimEnd().Length <= 79, line));
        }

        [Fact]
        public void One_hundred_domains_whose_mx_never_greets_finish_within_a_few_timeouts()
        {
            // The MX "port" is Knot's TCP port: it accepts the connection and never says a word, as a filtering middlebox does.
            const int timeoutSec = 3;
            var domains = Enumerable.Range(1, Server.BulkDomains).Select(i => Server.SecureCase($"bulk-{i}")).ToArray();
            var watch = Stopwatch.StartNew();
            var run = _fixture.PowerShell.Run(
                "$args[0] | Test-SmtpDomain -DnsServer $args[1] -TrustedCertificate $args[2] -MxPort $args[3] -AlternatePort $args[4] -PolicyPort $args[5] -TimeoutSec $args[6]",
                domains, Server.Resolver, Server.CaFile, Server.DnsPort, Server.ClosedPort, Server.AutoconfigPort, timeoutSec);
            watch.Stop();
            _output.WriteLine($"100 domains, silent MX, -TimeoutSec {timeoutSec}: {watch.Elapsed.TotalSeconds:0.00} s");

            Assert.Empty(run.Errors);
            Assert.Equal(100, run.Output.Count);
            Assert.All(run.Output, r => Assert.True(r.Text("Verdict") == "Unreachable", $"{r.Text("Domain")}: {r.Text("Verdict")}: {r.Text("VerdictReason")}"));
            Assert.Contains("MX_UNREACHABLE", FindingIds(run.Output[0]));
            Assert.True(watch.Elapsed.TotalSeconds < 3 * timeoutSec, $"100 domains took {watch.Elapsed.TotalSeconds:0.0} s");
        }

        private PSObject Check(string label, string? dnsServer = null)
        {
            var domain = label.Contains('.') ? label : Server.SecureCase(label);
            var run = _fixture.PowerShell.Run(
                "Test-SmtpDomain -Domain $args[0] -DnsServer $args[1] -TrustedCertificate $args[2] -MxPort $args[3] -PolicyPort $args[4] -TimeoutSec 5",
                domain, dnsServer ?? Server.Resolver, Server.CaFile, Server.Relay, Server.AutoconfigPort);
            Assert.Empty(run.Errors);
            return Assert.Single(run.Output);
        }

        private static List<PSObject> Hosts(PSObject report) =>
            ((IEnumerable)report.Get("MxHosts")!).Cast<object>().Select(PSObject.AsPSObject).ToList();

        private static IEnumerable<string> FindingIds(PSObject report) =>
            ((IEnumerable)report.Get("Findings")!).Cast<object>().Select(f => PSObject.AsPSObject(f).Text("Id")!);

        private static PSObject Finding(PSObject report, string id) =>
            Assert.Single(((IEnumerable)report.Get("Findings")!).Cast<object>().Select(PSObject.AsPSObject), f => f.Text("Id") == id);
    }
}
