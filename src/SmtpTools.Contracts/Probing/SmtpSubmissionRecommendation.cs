using System;
using System.Collections.Generic;
using System.Net;

namespace SmtpTools
{
    /// <summary>
    /// Which port of one host to submit mail to, and in which security mode: Test-SmtpPort -Recommended's output.
    /// <see cref="ComputerName"/>, <see cref="Port"/> and <see cref="Security"/> bind by property name to
    /// Send-SecureMail's -SmtpServer, -Port and -Security, so "Test-SmtpPort host -Recommended | Send-SecureMail ..."
    /// sends through the endpoint that was measured.
    /// </summary>
    public sealed class SmtpSubmissionRecommendation
    {
        internal SmtpSubmissionRecommendation(string computerName, SmtpPortResult? endpoint, IReadOnlyList<SmtpPortResult> ranked, string reason)
        {
            ComputerName = computerName;
            Endpoint = endpoint;
            RankedEndpoints = SmtpList<SmtpPortResult>.From(ranked);
            Reason = reason;
        }

        /// <summary>The host, as the user gave it (the name certificates are checked against).</summary>
        public string ComputerName { get; }

        /// <summary>The recommended port; 0 when no port is fit for submission.</summary>
        public int Port => Endpoint?.Port ?? 0;

        /// <summary>The security mode to use on <see cref="Port"/> (ImplicitTls or StartTls); Unknown when no port is fit.</summary>
        public SmtpObservedSecurity Security => Endpoint?.Security ?? SmtpObservedSecurity.Unknown;

        /// <summary>How fit the recommended endpoint is (at least RelayOnly), or the best rating found when none is fit.</summary>
        public SmtpSubmissionRating Rating => Endpoint?.Rating ?? (RankedEndpoints.Count > 0 ? RankedEndpoints[0].Rating : SmtpSubmissionRating.Unusable);

        /// <summary>Why this endpoint (or why none), in words.</summary>
        public string Reason { get; }

        /// <summary>The address the recommended endpoint answered on, or null.</summary>
        public IPAddress? RemoteAddress => Endpoint?.RemoteAddress;

        /// <summary>The TLS version the recommended endpoint negotiated, or None.</summary>
        public TlsProtocolVersion TlsProtocol => Endpoint?.TlsProtocol ?? TlsProtocolVersion.None;

        /// <summary>The AUTH mechanisms the recommended endpoint offers inside TLS (empty: it takes mail only without credentials).</summary>
        public IReadOnlyList<string> AuthMechanisms => Endpoint?.AuthMechanisms ?? SmtpList<string>.Empty;

        /// <summary>The probe result of the recommended endpoint, or null when no port is fit for submission.</summary>
        public SmtpPortResult? Endpoint { get; }

        /// <summary>Every probed endpoint of this host, best first.</summary>
        public IReadOnlyList<SmtpPortResult> RankedEndpoints { get; }

        /// <inheritdoc />
        public override string ToString() => Endpoint == null ? $"{ComputerName}: none ({Reason})" : $"{ComputerName}:{Port} {Security}";
    }
}
