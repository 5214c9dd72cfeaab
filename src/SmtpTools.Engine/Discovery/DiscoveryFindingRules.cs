using System;
using System.Collections.Generic;
using System.Linq;

namespace SmtpTools.Discovery
{
    /// <summary>
    /// The one rule set for discovery findings: what the published records say against each other, and (after probing)
    /// against what the ports really do. Ids are stable; scripts match on them.
    /// </summary>
    internal static class DiscoveryFindingRules
    {
        /// <summary>Findings from the records alone: unresolved hosts, services declared not offered, sources that disagree.</summary>
        public static void AddPublishedFindings(IReadOnlyList<SmtpServerCandidate> candidates, IReadOnlyList<string> notOffered)
        {
            foreach (var candidate in candidates)
            {
                foreach (var owner in notOffered)
                {
                    Add(candidate, "SRV_NOT_OFFERED", SmtpFindingSeverity.Info,
                        $"{owner} has the target \".\": the domain says that service is decidedly not offered; clients must not try it.", "RFC 6186 3.3");
                }

                if (candidate.Addresses.Count == 0 && candidate.Source != SmtpServerSource.Guess)
                {
                    Add(candidate, "PUBLISHED_HOST_UNRESOLVED", SmtpFindingSeverity.High,
                        $"{candidate.ComputerName}, published by {Describe(candidate)}, does not resolve ({candidate.ResolutionFailure ?? "no address"}): clients that follow it cannot connect. Add its A/AAAA records or fix the record.",
                        candidate.Source == SmtpServerSource.Mx ? "RFC 5321 5.1" : "RFC 6186 3");
                }
            }

            var srv = candidates.Where(c => c.Source == SmtpServerSource.Srv).ToList();
            var autoconfig = candidates.Where(c => c.Source == SmtpServerSource.Autoconfig).ToList();
            foreach (var a in srv)
            {
                foreach (var b in autoconfig.Where(b => SameEndpoint(a, b) && a.Security != b.Security))
                {
                    var message = $"SRV says {a.ComputerName}:{a.Port} speaks {a.Security}, the autoconfig document says {b.Security}: clients configured from one or the other use different modes, and one of them fails. Correct the wrong one (-Probe measures which).";
                    Add(a, "SOURCES_DISAGREE", SmtpFindingSeverity.Medium, message, "RFC 6186 3, RFC 8314 5.1");
                    Add(b, "SOURCES_DISAGREE", SmtpFindingSeverity.Medium, message, "RFC 6186 3, RFC 8314 5.1");
                }
            }

            if (srv.Count > 0 && autoconfig.Count > 0 && !srv.Any(a => autoconfig.Any(b => SameEndpoint(a, b))))
            {
                var message = $"SRV names {List(srv)}, the autoconfig document names {List(autoconfig)}: clients configured from different sources use different servers. Publish the same endpoints in both.";
                foreach (var candidate in srv.Concat(autoconfig))
                {
                    Add(candidate, "SOURCES_DIFFER", SmtpFindingSeverity.Low, message, "RFC 6186 3");
                }
            }
        }

        /// <summary>Findings from comparing each probed candidate's claim with its <see cref="SmtpServerCandidate.Measured"/> result.</summary>
        public static void AddMeasuredFindings(IReadOnlyList<SmtpServerCandidate> candidates)
        {
            foreach (var candidate in candidates.Where(c => c.Measured != null))
            {
                var measured = candidate.Measured!;
                var endpoint = $"{candidate.ComputerName}:{candidate.Port}";
                var by = Describe(candidate);
                switch (measured.Status)
                {
                    case SmtpPortStatus.Closed:
                    case SmtpPortStatus.Filtered:
                    case SmtpPortStatus.NoResponse:
                    case SmtpPortStatus.NotSmtp:
                        Add(candidate, "PUBLISHED_PORT_UNREACHABLE", SmtpFindingSeverity.High,
                            $"{by} says {endpoint} speaks {candidate.Security}, but the port is {measured.Status}: clients that follow it cannot send. Fix the server or the record.", "RFC 6186 3");
                        break;
                }

                var security = measured.Security;
                if (candidate.Security == SmtpPublishedSecurity.ImplicitTls && security == SmtpObservedSecurity.StartTls)
                {
                    Add(candidate, "PUBLISHED_IMPLICIT_SPEAKS_STARTTLS", SmtpFindingSeverity.High,
                        $"{by} says {endpoint} speaks implicit TLS, but it greets in clear and offers STARTTLS: clients that follow it start a TLS handshake and fail. Publish it as STARTTLS ({SmtpServerDiscovery.StartTlsService}, socketType STARTTLS) or make the port implicit TLS.", "RFC 8314 3.3");
                }
                else if (candidate.Security == SmtpPublishedSecurity.StartTls && security == SmtpObservedSecurity.ImplicitTls)
                {
                    Add(candidate, "PUBLISHED_STARTTLS_SPEAKS_IMPLICIT", SmtpFindingSeverity.High,
                        $"{by} says {endpoint} speaks STARTTLS, but it speaks implicit TLS: clients that follow it wait for a greeting that never comes. Publish it as implicit TLS ({SmtpServerDiscovery.ImplicitTlsService}, socketType SSL).", "RFC 8314 3.3");
                }
                else if (candidate.Security == SmtpPublishedSecurity.Plain && (security == SmtpObservedSecurity.ImplicitTls || security == SmtpObservedSecurity.StartTls))
                {
                    Add(candidate, "PUBLISHED_PLAIN_WHERE_TLS_WORKS", SmtpFindingSeverity.High,
                        $"{by} says {endpoint} is plain (no TLS), but it speaks {security}: clients that follow it either fail or send passwords in clear. Publish socketType {(security == SmtpObservedSecurity.ImplicitTls ? "SSL" : "STARTTLS")}.", "RFC 8314 3, 5.1");
                }
                else if (candidate.Security == SmtpPublishedSecurity.Relay && security == SmtpObservedSecurity.PlainOnly)
                {
                    Add(candidate, "MX_NO_STARTTLS", SmtpFindingSeverity.Medium,
                        $"The MX {endpoint} offers no STARTTLS: mail from other servers reaches it in clear. Enable STARTTLS.", "RFC 3207");
                }

                var certificate = measured.Certificate;
                if (certificate != null && !certificate.HostNameMatches)
                {
                    Add(candidate, "PUBLISHED_HOST_NOT_IN_CERTIFICATE", SmtpFindingSeverity.High,
                        $"{by} names {candidate.ComputerName}, but the certificate on {endpoint} does not cover that name ({Names(certificate)}): clients that verify certificates refuse it. Publish a name the certificate covers, or add this name to it.", "RFC 6125 6.4, RFC 6186 6");
                }
            }

            foreach (var weaker in candidates.Where(c => c.Measured != null && (c.Security == SmtpPublishedSecurity.StartTls || c.Security == SmtpPublishedSecurity.Plain)))
            {
                var better = candidates.FirstOrDefault(c => c != weaker && c.Port != weaker.Port && c.MeasuredSecurity == SmtpObservedSecurity.ImplicitTls
                    && string.Equals(c.ComputerName, weaker.ComputerName, StringComparison.OrdinalIgnoreCase));
                // Not when the same source already lists the implicit-TLS endpoint (first, as SRV priorities do).
                if (better != null && !candidates.Any(c => c.Source == weaker.Source && c.Security == SmtpPublishedSecurity.ImplicitTls
                    && string.Equals(c.ComputerName, weaker.ComputerName, StringComparison.OrdinalIgnoreCase)))
                {
                    Add(weaker, "PUBLISHED_WEAKER_THAN_AVAILABLE", SmtpFindingSeverity.Low,
                        $"{Describe(weaker)} offers {weaker.ComputerName}:{weaker.Port} with {weaker.Security}, while implicit TLS works on port {better.Port}: RFC 8314 prefers implicit TLS. List it first (socketType SSL, {SmtpServerDiscovery.ImplicitTlsService}).", "RFC 8314 3.3, 5.1");
                }
            }
        }

        private static bool SameEndpoint(SmtpServerCandidate a, SmtpServerCandidate b) =>
            a.Port == b.Port && string.Equals(a.ComputerName, b.ComputerName, StringComparison.OrdinalIgnoreCase);

        private static string List(IEnumerable<SmtpServerCandidate> candidates) =>
            string.Join(", ", candidates.Select(c => $"{c.ComputerName}:{c.Port}"));

        private static string Names(SmtpCertificateInfo certificate) =>
            certificate.SubjectAlternativeNames.Count == 0 ? certificate.Subject : "it names " + certificate.ListNames();

        private static string Describe(SmtpServerCandidate candidate)
        {
            switch (candidate.Source)
            {
                case SmtpServerSource.Srv: return "The SRV record";
                case SmtpServerSource.Autoconfig: return "The autoconfig document";
                case SmtpServerSource.Mx: return "The MX record";
                default: return "The guess";
            }
        }

        private static void Add(SmtpServerCandidate candidate, string id, SmtpFindingSeverity severity, string message, string reference)
        {
            if (candidate.Findings.Any(f => f.Id == id))
            {
                return;
            }

            candidate.Findings = candidate.Findings.Concat(new[] { new SmtpFinding(id, severity, message, reference) }).ToList();
        }
    }
}
