using System;
using System.Collections.Generic;
using System.Linq;
using SmtpTools.Rules;

namespace SmtpTools.Probing
{
    /// <summary>
    /// Which endpoint to submit mail to, as pure functions over probe results (RFC 8314): implicit TLS (465) is
    /// preferred, then STARTTLS (587); 25 is for relay between servers (RFC 5321); 2525 is an unofficial alternative;
    /// plaintext, deprecated TLS and certificates that only passed because checks were skipped are never recommended.
    /// The mode is judged by behaviour; the port number only decides roles and misconfiguration notes.
    /// </summary>
    internal static class SubmissionRanking
    {
        internal const int Smtp = 25;
        internal const int Submissions = 465;
        internal const int Submission = 587;
        internal const int Alternative = 2525;

        /// <summary>Rates one endpoint on its own and says why.</summary>
        public static (SmtpSubmissionRating Rating, string Reason) Assess(SmtpPortResult result) =>
            Assess(EndpointEvidence.Of(result ?? throw new ArgumentNullException(nameof(result))));

        /// <summary>Rates an audited endpoint exactly as a probe of it would be rated.</summary>
        public static (SmtpSubmissionRating Rating, string Reason) Assess(SmtpCapabilityReport report) =>
            Assess(EndpointEvidence.Of(report ?? throw new ArgumentNullException(nameof(report))));

        private static (SmtpSubmissionRating Rating, string Reason) Assess(EndpointEvidence result)
        {
            var (rating, reason) = EndpointRules.Rate(result);
            var remarks = new List<string> { reason };
            if (rating >= SmtpSubmissionRating.RelayOnly)
            {
                if (result.AuthMechanisms.Count == 0)
                {
                    remarks.Add("It offers no AUTH: it takes mail only without credentials.");
                }
                else if (result.AuthMechanismsBeforeTls.Count > 0)
                {
                    remarks.Add("It also offers AUTH before TLS: make sure the client requires STARTTLS.");
                }

                if (result.Port == Alternative)
                {
                    remarks.Add("Port 2525 is an unofficial alternative, not a registered submission port.");
                }
            }

            var mismatch = PortMismatch(result.Port, result.Security);
            if (mismatch != null && result.Security != SmtpObservedSecurity.Unknown)
            {
                remarks.Add(mismatch);
            }

            return (rating, string.Join(" ", remarks));
        }

        /// <summary>
        /// A note when a registered port speaks another mode than the one it is registered for (STARTTLS on 465,
        /// implicit TLS on 587 or 25, plaintext on a submission port): clients that choose the mode by port number fail.
        /// Null when the port has no registered mode or speaks it.
        /// </summary>
        public static string? PortMismatch(int port, SmtpObservedSecurity security)
        {
            switch (port)
            {
                case Submissions when security == SmtpObservedSecurity.StartTls:
                    return "Misconfigured: port 465 is registered for implicit TLS (RFC 8314 7.3) but speaks STARTTLS; clients that pick the mode by port number will fail.";
                case Submissions when security == SmtpObservedSecurity.PlainOnly:
                    return "Misconfigured: port 465 is registered for implicit TLS (RFC 8314 7.3) but answers in plaintext without TLS.";
                case Submission when security == SmtpObservedSecurity.ImplicitTls:
                    return "Misconfigured: port 587 is registered for STARTTLS submission (RFC 6409) but speaks implicit TLS; clients that pick the mode by port number will fail.";
                case Submission when security == SmtpObservedSecurity.PlainOnly:
                    return "Misconfigured: port 587 is for submission (RFC 6409) but offers no TLS at all.";
                case Smtp when security == SmtpObservedSecurity.ImplicitTls:
                    return "Misconfigured: port 25 is for relay with a plaintext greeting and STARTTLS (RFC 5321, RFC 3207); implicit TLS there breaks delivery from other servers.";
                default:
                    return null;
            }
        }

        /// <summary>
        /// The endpoint of one host to submit mail to: the best rated at least <see cref="SmtpSubmissionRating.RelayOnly"/>;
        /// among equals, one that offers AUTH, speaks its port's registered mode, and is on a registered port (465, 587) first.
        /// </summary>
        public static SmtpSubmissionRecommendation Recommend(string computerName, IEnumerable<SmtpPortResult> results)
        {
            var ranked = results
                .OrderByDescending(r => r.Rating)
                .ThenByDescending(r => r.AuthMechanisms.Count > 0)
                .ThenBy(r => PortMismatch(r.Port, r.Security) != null)
                .ThenBy(r => PortPreference(r.Port))
                .ThenBy(r => r.Port)
                .ToList();
            var best = ranked.FirstOrDefault(r => r.Rating >= SmtpSubmissionRating.RelayOnly);
            if (best != null)
            {
                var others = ranked.Where(r => r != best && r.Rating >= SmtpSubmissionRating.RelayOnly).Select(r => $"{r.Port} ({r.Security})").ToList();
                var alternatives = others.Count == 0 ? string.Empty : " Also fit, ranked lower: " + string.Join(", ", others) + ".";
                return new SmtpSubmissionRecommendation(computerName, best, ranked, best.RatingReason + alternatives);
            }

            var why = ranked.Count == 0
                ? "no port was probed."
                : string.Join("; ", ranked.Select(r => $"{r.Port}: {r.Rating} ({FirstSentence(r.RatingReason)})")) + ".";
            return new SmtpSubmissionRecommendation(computerName, null, ranked, "No port of this host is fit for submitting mail: " + why);
        }

        private static int PortPreference(int port) =>
            port == Submissions ? 0 : port == Submission ? 1 : port == Alternative ? 3 : port == Smtp ? 4 : 2;

        private static string FirstSentence(string text)
        {
            var end = text.IndexOf(". ", StringComparison.Ordinal);
            return (end < 0 ? text : text.Substring(0, end)).TrimEnd('.');
        }
    }
}
