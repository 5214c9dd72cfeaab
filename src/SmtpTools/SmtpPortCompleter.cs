using System;
using System.Collections.Generic;
using System.Linq;

namespace SmtpTools.Commands
{
    /// <summary>Tab completion for -Port: the four ports mail admins choose between, each with what it is for.</summary>
    public sealed class SmtpPortCompleter : ValueCompleter
    {
        private static readonly (int Port, string Meaning)[] Ports =
        {
            (465, "465: submissions, implicit TLS. Preferred for sending with a password (RFC 8314 3.3)."),
            (587, "587: submission, STARTTLS. Second choice for sending (RFC 6409); STARTTLS must be required."),
            (25, "25: relay between mail servers (MX). Not for clients with a password; often blocked."),
            (2525, "2525: unofficial alternative to 587 offered by some providers."),
        };

        /// <inheritdoc />
        protected override StringComparison Comparison => StringComparison.Ordinal;

        /// <inheritdoc />
        protected override IEnumerable<(string Value, string Meaning)> Values() =>
            Ports.Select(p => (p.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Meaning));
    }
}
