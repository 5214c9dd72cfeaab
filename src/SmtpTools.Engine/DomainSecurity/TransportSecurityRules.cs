using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SmtpTools.Discovery;

namespace SmtpTools.DomainSecurity
{
    /// <summary>
    /// The one rule set for transport security: what DANE (RFC 7672) and MTA-STS (RFC 8461) make of each MX, what a
    /// sending MTA that honours both does with the mail (DANE first, RFC 8461 2), and the findings. Ids are stable;
    /// scripts match on them.
    /// </summary>
    internal static class TransportSecurityRules
    {
        /// <summary>RFC 7672 2.2: TLSA records count only when the MX, the host's addresses and the TLSA answer are all DNSSEC-validated.</summary>
        public static void JudgeDane(SmtpMxHostReport host, SmtpDomainSecurityCheck.HostFacts facts, bool mxSecure)
        {
            var chainSecure = mxSecure && facts.AddressesSecure;
            if (facts.TlsaFailure != null)
            {
                host.Dane = chainSecure ? DaneStatus.LookupFailed : DaneStatus.NoRecords;
                return;
            }

            if (facts.Tlsa.Count == 0)
            {
                host.Dane = DaneStatus.NoRecords;
                return;
            }

            if (!chainSecure || !facts.TlsaSecure)
            {
                host.Dane = DaneStatus.NotSecure;
                return;
            }

            if (!facts.Tlsa.Any(t => t.IsUsable))
            {
                host.Dane = DaneStatus.Unusable;
                return;
            }

            var presented = host.Certificate?.PresentedChain;
            if (host.Probe?.Tls == null || presented == null)
            {
                host.Dane = DaneStatus.NoTls;
                return;
            }

            var match = DaneMatcher.FindMatch(facts.Tlsa, presented, host.Certificate!.HostNameMatches);
            host.Dane = match == null ? DaneStatus.NotMatched : DaneStatus.Matched;
            host.MatchedTlsa = match?.ToString();
        }

        public static SmtpFinding MxLookupFailed(string domain, DnsLookupException e) =>
            new SmtpFinding("MX_DNS_FAILED", SmtpFindingSeverity.High,
                e.Failure == DnsFailureKind.ServerFailure
                    ? $"The MX lookup for {domain} fails: {e.Message} A validating resolver answers SERVFAIL when DNSSEC signatures do not validate (bogus), so every sender that validates defers mail to {domain}. Check the zone's signatures and DS records (for example with dnsviz or delv)."
                    : $"The MX lookup for {domain} fails: {e.Message} Senders defer mail until it answers.",
                "RFC 4035 5.5, RFC 7672 2.1.1");

        /// <summary>No MX answered on the MX port: blocked here (other ports answer) or unreachable.</summary>
        public static SmtpFinding NoMxAnswered(SmtpDomainReport report, IReadOnlyList<SmtpPortResult> alternatesThatAnswered, SmtpDomainSecurityOptions options)
        {
            if (alternatesThatAnswered.Count > 0)
            {
                var other = string.Join(", ", alternatesThatAnswered.Select(r => $"{r.ComputerName}:{r.Port}").Distinct());
                return new SmtpFinding("OUTBOUND_PORT_BLOCKED", SmtpFindingSeverity.Info,
                    $"No MX of {report.Domain} answers on port {options.MxPort}, but {other} does: outbound port {options.MxPort} is probably blocked on this network (ISPs and clouds do), not broken at {report.Domain}. Run the check from a host that may send mail on port {options.MxPort}.",
                    "RFC 5321 2.3.5");
            }

            return new SmtpFinding("MX_UNREACHABLE", SmtpFindingSeverity.High,
                $"No MX of {report.Domain} answers on port {options.MxPort}, and none answers on {string.Join(" or ", options.AlternatePorts)} either: the hosts are down or filtered, or this network blocks them. Senders queue the mail and retry.",
                "RFC 5321 4.5.4.1");
        }

        /// <summary>Per-MX delivery, the domain verdict and its reason, and the findings, once every fact is in.</summary>
        public static void Conclude(SmtpDomainReport report, List<SmtpFinding> findings, bool noHosts, SmtpDomainSecurityOptions options)
        {
            AddPolicyFindings(report, findings);
            if (noHosts)
            {
                report.VerdictReason = report.Verdict == SmtpDomainVerdict.DnsFailure
                    ? $"mail to {report.Domain} would be deferred: its MX lookup fails"
                    : $"{report.Domain} takes no mail";
                report.Findings = Order(findings);
                return;
            }

            report.Dane = report.MxHosts.Any(h => DaneApplies(h.Dane));
            if (!report.Dane && report.MtaSts.Mode == MtaStsMode.NoPolicy && report.MtaSts.Problem == null)
            {
                findings.Add(new SmtpFinding("NO_TRANSPORT_POLICY", SmtpFindingSeverity.Low, $"{report.Domain} publishes neither MTA-STS nor DANE: senders use STARTTLS only opportunistically, so an attacker on the path can strip it or present any certificate. Publish an MTA-STS policy (and TLS-RPT), or sign the zone and publish TLSA records.", "RFC 8461 1, RFC 7672 1.3"));
            }

            foreach (var host in report.MxHosts)
            {
                Deliver(host, report.MtaSts.Mode);
                AddHostFindings(report, host, findings, options);
            }

            var reachable = report.MxHosts.Where(h => h.Delivery != SmtpMxDelivery.Unreachable).ToList();
            var good = reachable.Where(h => h.Delivery == SmtpMxDelivery.Authenticated || (h.Delivery == SmtpMxDelivery.Encrypted && (DaneApplies(h.Dane) || report.MtaSts.Mode == MtaStsMode.Enforce))).ToList();
            var enforced = report.Dane || report.MtaSts.Mode == MtaStsMode.Enforce;
            var label = report.Dane ? (report.MtaSts.Mode == MtaStsMode.Enforce ? "DANE and enforce" : "DANE") : report.MtaSts.Mode switch
            {
                MtaStsMode.Enforce => "enforce",
                MtaStsMode.Testing => "testing",
                _ => "no policy",
            };
            var problems = report.MxHosts.Where(h => h.Delivery == SmtpMxDelivery.Deferred || h.Delivery == SmtpMxDelivery.Skipped || h.Delivery == SmtpMxDelivery.Unreachable)
                .Select(h => $"mail to {h.HostName} would be {Verb(h.Delivery)} because {h.DeliveryReason}").ToList();
            string outcome;
            if (reachable.Count == 0)
            {
                report.Verdict = SmtpDomainVerdict.Unreachable;
                outcome = $"no MX answers on port {options.MxPort}";
                problems.Clear();
            }
            else if (enforced)
            {
                report.Verdict = good.Count == 0 ? SmtpDomainVerdict.Deferred : good.Count == report.MxHosts.Count && good.All(h => h.Delivery == SmtpMxDelivery.Authenticated) ? SmtpDomainVerdict.Authenticated : SmtpDomainVerdict.Degraded;
                outcome = good.Count == 0 ? "every sender that honours it defers the mail" : $"mail goes to {string.Join(", ", good.Select(h => h.HostName))} over {(good.All(h => h.Delivery == SmtpMxDelivery.Authenticated) ? "authenticated" : "encrypted")} TLS";
            }
            else
            {
                var encrypted = reachable.Where(h => h.Delivery == SmtpMxDelivery.Encrypted).ToList();
                report.Verdict = encrypted.Count > 0 ? SmtpDomainVerdict.Opportunistic : SmtpDomainVerdict.Unencrypted;
                outcome = encrypted.Count > 0
                    ? $"mail goes to {string.Join(", ", encrypted.Select(h => h.HostName))} over TLS that nothing authenticates{(report.MtaSts.Mode == MtaStsMode.Testing ? " (failures are only reported)" : string.Empty)}"
                    : "mail goes in clear: no MX offers STARTTLS";
            }

            report.VerdictReason = label + ": " + string.Join("; ", problems.Concat(new[] { outcome }));
            report.Findings = Order(findings);
        }

        private static bool DaneApplies(DaneStatus status) =>
            status == DaneStatus.Matched || status == DaneStatus.NotMatched || status == DaneStatus.NoTls || status == DaneStatus.Unusable || status == DaneStatus.LookupFailed;

        private static string Verb(SmtpMxDelivery delivery) => delivery switch
        {
            SmtpMxDelivery.Skipped => "skipped",
            SmtpMxDelivery.Unreachable => "queued",
            _ => "deferred",
        };

        // What a sender that honours DANE (first) and MTA-STS does with mail for this host.
        private static void Deliver(SmtpMxHostReport host, MtaStsMode mode)
        {
            var tls = host.Probe?.Tls != null;
            if (host.Addresses.Count == 0 || host.Probe == null || host.Probe.Banner == null)
            {
                host.Delivery = SmtpMxDelivery.Unreachable;
                host.DeliveryReason = host.Addresses.Count == 0 ? "its name does not resolve" : $"nothing answers on port {host.Port} ({host.Status})";
                return;
            }

            string? why = !host.StartTlsOffered ? "it offers no STARTTLS" : !tls ? "its TLS handshake fails" : null;
            if (DaneApplies(host.Dane))
            {
                (host.Delivery, host.DeliveryReason) = host.Dane switch
                {
                    DaneStatus.Matched => (SmtpMxDelivery.Authenticated, $"DANE: TLSA {Short(host.MatchedTlsa)} matches its certificate chain"),
                    DaneStatus.Unusable => tls ? (SmtpMxDelivery.Encrypted, "its TLSA records are all unusable for SMTP, so DANE senders require TLS without authentication") : (SmtpMxDelivery.Deferred, (why ?? "its TLS fails") + ", and its TLSA records make TLS mandatory"),
                    DaneStatus.LookupFailed => (SmtpMxDelivery.Deferred, "its TLSA lookup fails"),
                    DaneStatus.NoTls => (SmtpMxDelivery.Deferred, (why ?? "its TLS fails") + ", but its TLSA records make TLS mandatory"),
                    _ => (SmtpMxDelivery.Deferred, "no TLSA record matches the certificate chain it presents"),
                };
                return;
            }

            if (mode == MtaStsMode.Enforce)
            {
                if (host.MtaStsMatch != true)
                {
                    (host.Delivery, host.DeliveryReason) = (SmtpMxDelivery.Skipped, "the MTA-STS policy's mx patterns do not name it");
                }
                else if (why != null)
                {
                    (host.Delivery, host.DeliveryReason) = (SmtpMxDelivery.Deferred, why);
                }
                else if (!host.CertificateValid)
                {
                    (host.Delivery, host.DeliveryReason) = (SmtpMxDelivery.Deferred, CertificateProblem(host));
                }
                else
                {
                    (host.Delivery, host.DeliveryReason) = (SmtpMxDelivery.Authenticated, "MTA-STS: a policy pattern names it and its certificate is valid for it");
                }

                return;
            }

            (host.Delivery, host.DeliveryReason) = why == null
                ? (SmtpMxDelivery.Encrypted, "opportunistic STARTTLS" + (host.CertificateValid ? string.Empty : "; " + CertificateProblem(host)))
                : (SmtpMxDelivery.Clear, why);
        }

        private static string CertificateProblem(SmtpMxHostReport host)
        {
            var certificate = host.Certificate;
            if (certificate == null)
            {
                return "it presents no certificate";
            }

            if (!certificate.HostNameMatches)
            {
                var names = certificate.SubjectAlternativeNames.Where(n => n.StartsWith("DNS:", StringComparison.Ordinal)).Select(n => n.Substring(4)).Take(3).ToList();
                return "its certificate is for another name" + (names.Count == 0 ? string.Empty : $" ({string.Join(", ", names)})");
            }

            return certificate.IsExpired ? "its certificate has expired" : $"its certificate is {certificate.Verdict}";
        }

        private static void AddPolicyFindings(SmtpDomainReport report, List<SmtpFinding> findings)
        {
            var sts = report.MtaSts;
            if (sts.Problem != null)
            {
                findings.Add(new SmtpFinding(sts.PolicyUri == null ? "MTASTS_RECORD_INVALID" : "MTASTS_POLICY_INVALID", SmtpFindingSeverity.High,
                    $"MTA-STS: {sts.Problem}. Senders treat the domain as having no policy (and keep a cached one until it expires). Fix it, or remove the _mta-sts record.", sts.PolicyUri == null ? "RFC 8461 3.1" : "RFC 8461 3.2, 3.3"));
            }
            else if (sts.Mode == MtaStsMode.Testing)
            {
                findings.Add(new SmtpFinding("MTASTS_TESTING", SmtpFindingSeverity.Low, $"MTA-STS is in testing mode: senders report failures (TLS-RPT) but still deliver over any TLS, or in clear. Switch to mode: enforce once the reports are clean.", "RFC 8461 5"));
            }
            else if (sts.Mode == MtaStsMode.None)
            {
                findings.Add(new SmtpFinding("MTASTS_MODE_NONE", SmtpFindingSeverity.Info, "MTA-STS mode is none: the domain withdraws its policy.", "RFC 8461 5"));
            }

            if (sts.MaxAge.HasValue && sts.Mode != MtaStsMode.None && sts.MaxAge.Value < TimeSpan.FromDays(1))
            {
                findings.Add(new SmtpFinding("MTASTS_MAX_AGE_SHORT", SmtpFindingSeverity.Low, $"MTA-STS max_age is {sts.MaxAge.Value.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: a policy cached so briefly barely protects the first delivery after an attack begins. Use weeks (RFC 8461 suggests 86400 or more).", "RFC 8461 3.2"));
            }

            var rpt = report.TlsRpt;
            if (rpt.Problem != null)
            {
                findings.Add(new SmtpFinding("TLSRPT_INVALID", SmtpFindingSeverity.Medium, $"TLS-RPT: {rpt.Problem}. Senders send no reports about TLS failures. Publish \"v=TLSRPTv1; rua=mailto:...\".", "RFC 8460 3"));
            }
            else if (rpt.Record == null && sts.Mode != MtaStsMode.NoPolicy)
            {
                findings.Add(new SmtpFinding("TLSRPT_MISSING", SmtpFindingSeverity.Low, $"No TLS-RPT record (_smtp._tls.{report.Domain}): nobody hears when senders fail the policy. Publish \"v=TLSRPTv1; rua=mailto:tls-reports@{report.Domain}\".", "RFC 8460 3"));
            }
        }

        private static void AddHostFindings(SmtpDomainReport report, SmtpMxHostReport host, List<SmtpFinding> findings, SmtpDomainSecurityOptions options)
        {
            var name = host.HostName;
            if (host.Addresses.Count == 0)
            {
                findings.Add(new SmtpFinding("MX_UNRESOLVED", SmtpFindingSeverity.High, $"The MX {name} does not resolve: senders skip it. Add its A/AAAA records or remove the MX.", "RFC 5321 5.1"));
                return;
            }

            var tlsaName = $"_{options.MxPort}._tcp.{name}";
            switch (host.Dane)
            {
                case DaneStatus.Matched:
                    findings.Add(new SmtpFinding("DANE_MATCHED", SmtpFindingSeverity.Info, $"DANE: {tlsaName} TLSA {Short(host.MatchedTlsa)} matches what {name} presents, validated by {report.DnsServer}.", "RFC 7672 3.1"));
                    break;
                case DaneStatus.NotMatched:
                    findings.Add(new SmtpFinding("DANE_NO_MATCH", SmtpFindingSeverity.Critical, $"DANE: no TLSA record at {tlsaName} matches the certificate chain {name} presents: senders that use DANE (Postfix with smtp_tls_security_level = dane, Exim, many providers) defer all mail to it. Publish TLSA records for the current certificate (3 1 1 of its key) before changing certificates.", "RFC 7672 3.1, RFC 7671 8.1"));
                    break;
                case DaneStatus.NoTls:
                    findings.Add(new SmtpFinding("DANE_NO_TLS", SmtpFindingSeverity.Critical, $"DANE: {name} has secure TLSA records but {(host.StartTlsOffered ? "its TLS handshake fails" : "offers no STARTTLS")}: DANE senders defer all mail to it.", "RFC 7672 2.2"));
                    break;
                case DaneStatus.Unusable:
                    findings.Add(new SmtpFinding("DANE_UNUSABLE", SmtpFindingSeverity.Medium, $"DANE: the TLSA records at {tlsaName} use only parameters SMTP cannot use (usages 0 and 1, or unknown selectors and matching types): DANE senders require TLS but cannot authenticate {name}. Publish DANE-EE (3 1 1) or DANE-TA (2 1 1) records.", "RFC 7672 3.1.3"));
                    break;
                case DaneStatus.LookupFailed:
                    findings.Add(new SmtpFinding("DANE_LOOKUP_FAILED", SmtpFindingSeverity.High, $"DANE: the TLSA lookup for {tlsaName} fails in a signed zone: DANE senders defer mail to {name} until it answers.", "RFC 7672 2.1.1"));
                    break;
                case DaneStatus.NotSecure:
                    findings.Add(new SmtpFinding("DANE_NOT_SECURE", SmtpFindingSeverity.Medium, $"DANE: {tlsaName} has TLSA records, but {(report.MxSecure ? host.AddressesSecure ? "the TLSA answer" : "the address records of " + name : "the MX answer for " + report.Domain)} is not DNSSEC-validated (no AD bit from {report.DnsServer}): senders ignore the TLSA records. Sign the zone (and publish its DS), or check that the resolver validates.", "RFC 7672 2.2"));
                    break;
            }

            if (host.Probe?.Banner == null)
            {
                return;
            }

            if (!host.StartTlsOffered)
            {
                findings.Add(new SmtpFinding("MX_NO_STARTTLS", SmtpFindingSeverity.High, $"{name} offers no STARTTLS: mail to it crosses the network in clear. Enable STARTTLS (Postfix: smtpd_tls_security_level = may).", "RFC 3207"));
            }
            else if (host.Probe.Tls == null)
            {
                findings.Add(new SmtpFinding("MX_TLS_FAILED", SmtpFindingSeverity.High, $"{name} offers STARTTLS but the handshake fails ({host.Probe.ErrorMessage}): senders fall back to clear text, or defer under a policy.", "RFC 3207 4.1"));
            }
            else if (!host.CertificateValid)
            {
                var enforced = host.Delivery == SmtpMxDelivery.Deferred;
                findings.Add(new SmtpFinding("MX_CERTIFICATE_INVALID", enforced ? SmtpFindingSeverity.High : SmtpFindingSeverity.Medium,
                    $"{name}: {CertificateProblem(host)}{(enforced ? "; the policy makes senders defer mail to it" : "; MTA-STS senders would refuse it")}. Install a certificate from a public CA whose names include {name}.", "RFC 8461 4.2"));
            }

            if (host.MtaStsMatch == false)
            {
                findings.Add(new SmtpFinding("MTASTS_MX_NOT_COVERED", report.MtaSts.Mode == MtaStsMode.Enforce ? SmtpFindingSeverity.High : SmtpFindingSeverity.Medium,
                    $"MTA-STS: no mx pattern of the policy ({string.Join(", ", report.MtaSts.MxPatterns)}) names {name}: {(report.MtaSts.Mode == MtaStsMode.Enforce ? "senders never deliver to it" : "in enforce mode senders would never deliver to it")}. Add \"mx: {name}\" to the policy and change the id of the _mta-sts record.", "RFC 8461 4.1"));
            }
        }

        private static string Short(string? tlsa) =>
            tlsa == null ? string.Empty : tlsa.Length > 24 ? tlsa.Substring(0, 20) + "..." : tlsa;

        private static IReadOnlyList<SmtpFinding> Order(List<SmtpFinding> findings)
        {
            return findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Id, StringComparer.Ordinal).ToList();
        }
    }
}
