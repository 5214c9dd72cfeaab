using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// One testssl.sh run (`testssl --starttls smtp`: protocols only, certificate only, or full) against a loopback port, our CA added to its
    /// trust store, read from its flat JSON file: which TLS versions it found offered and what it says of the certificate.
    /// </summary>
    internal sealed class TestSslScan
    {
        public const string InstallHint = "not installed (run `bash tests/server/smtp-test-server.sh install-peers`)";

        // testssl's finding ids for the versions we scan too; SSLv2/SSLv3 are ours to skip (no client offers them).
        private static readonly IReadOnlyDictionary<string, string> VersionIds = new Dictionary<string, string>
        {
            ["TLS1"] = "Tls10",
            ["TLS1_1"] = "Tls11",
            ["TLS1_2"] = "Tls12",
            ["TLS1_3"] = "Tls13",
        };

        private TestSslScan(TimeSpan elapsed, IReadOnlyList<string> offered, IReadOnlyList<string> legacyOffered, bool? certificateAcceptable, string certificateText)
        {
            Elapsed = elapsed;
            OfferedVersions = offered;
            LegacyOffered = legacyOffered;
            CertificateAcceptable = certificateAcceptable;
            CertificateText = certificateText;
        }

        public TimeSpan Elapsed { get; }

        /// <summary>TLS versions offered, in our enum's names (Tls10...Tls13), oldest first.</summary>
        public IReadOnlyList<string> OfferedVersions { get; }

        /// <summary>SSLv2/SSLv3 if testssl found them offered (we do not scan those).</summary>
        public IReadOnlyList<string> LegacyOffered { get; }

        /// <summary>Chain trusted, name matches and not expired; null when the run did not check the certificate (-p).</summary>
        public bool? CertificateAcceptable { get; }

        /// <summary>testssl's own words on the chain of trust and the name, for the notes.</summary>
        public string CertificateText { get; }

        /// <summary>Runs testssl with <paramref name="scope"/>: "-p" (protocols), "-S" (server defaults: the certificate) or "" (full).</summary>
        /// <exception cref="InvalidOperationException">testssl failed or wrote no JSON.</exception>
        public static TestSslScan Run(string testssl, TestServerInfo server, int port, string scope, TimeSpan timeout)
        {
            var directory = Path.Combine(Path.GetTempPath(), "smtptools-bench");
            Directory.CreateDirectory(directory);
            var json = Path.Combine(directory, $"testssl-{port}{scope}.json");
            File.Delete(json);
            var arguments = new List<string> { "--quiet", "--color", "0", "--warnings", "off", "-n", "none", "--starttls", "smtp", "--add-ca", server.CaFile, "--jsonfile", json };
            if (scope.Length > 0)
            {
                arguments.Add(scope);
            }

            arguments.Add($"{server.Host}:{port.ToString(CultureInfo.InvariantCulture)}");
            var run = ExternalCommand.Run(testssl, arguments, timeout);

            // testssl's exit code counts findings (7 on a clean result on some versions): the JSON is the answer.
            if (run.TimedOut || !File.Exists(json))
            {
                throw new InvalidOperationException(run.Describe("testssl"));
            }

            using var document = JsonDocument.Parse(File.ReadAllText(json));
            var findings = document.RootElement.EnumerateArray()
                .Select(e => (Id: e.GetProperty("id").GetString() ?? string.Empty, Severity: e.GetProperty("severity").GetString() ?? string.Empty, Finding: e.GetProperty("finding").GetString() ?? string.Empty))
                .ToList();
            static bool Offered(string finding) => finding.StartsWith("offered", StringComparison.OrdinalIgnoreCase);
            var offered = findings.Where(f => VersionIds.ContainsKey(f.Id) && Offered(f.Finding)).Select(f => VersionIds[f.Id]).OrderBy(v => v, StringComparer.Ordinal).ToList();
            var legacy = findings.Where(f => (f.Id == "SSLv2" || f.Id == "SSLv3") && Offered(f.Finding)).Select(f => f.Id).ToList();

            // -S and full runs judge the certificate: the chain (with --add-ca), the name, the dates.
            var chain = findings.FirstOrDefault(f => f.Id.StartsWith("cert_chain_of_trust", StringComparison.Ordinal));
            var name = findings.FirstOrDefault(f => f.Id.StartsWith("cert_trust", StringComparison.Ordinal));
            var expiry = findings.FirstOrDefault(f => f.Id.StartsWith("cert_expirationStatus", StringComparison.Ordinal));
            bool? acceptable = null;
            var text = "not checked";
            if (chain.Id != null)
            {
                acceptable = IsGood(chain.Severity) && (name.Id == null || IsGood(name.Severity)) && (expiry.Id == null || IsGood(expiry.Severity));
                text = $"chain of trust: {chain.Finding}; name: {name.Finding ?? "?"}; expiry: {expiry.Finding ?? "?"}";
            }

            return new TestSslScan(run.Elapsed, offered, legacy, acceptable, text);
        }

        private static bool IsGood(string severity) => severity is "OK" or "INFO";
    }
}
