using System;

namespace SmtpTools
{
    /// <summary>Settings for probing an endpoint.</summary>
    public sealed class SmtpProbeOptions
    {
        /// <summary>The bound on each network step (connect, greeting, handshake, command).</summary>
        public TimeSpan Timeout { get; set; } = Protocol.SmtpDefaults.Timeout;

        /// <summary>
        /// How long a port silent on both connections is given before it counts as implicit TLS (at most half the
        /// timeout). A silent port gets its TLS handshake on a second connection long before, after a head start of 50 ms
        /// plus two connection times, while the first connection waits for a greeting; a server that greets later than
        /// this wait answers our ClientHello in clear and still greets the first connection within the timeout.
        /// </summary>
        public TimeSpan GreetingWait { get; set; } = Protocol.SmtpDefaults.GreetingWait;

        /// <summary>How certificates are judged. A probe reports a bad certificate; it fails the port only when validation is not skipped.</summary>
        public CertificatePolicy CertificatePolicy { get; set; } = CertificatePolicy.Default;

        /// <summary>The name sent with EHLO.</summary>
        public string HeloName { get; set; } = Protocol.SmtpDefaults.HeloName;

        /// <summary>Receives a swaks-style transcript line by line; null for none.</summary>
        public Action<string>? Transcript { get; set; }

        /// <summary>The EHLO name every cmdlet sends unless -HeloName says otherwise.</summary>
        public static string DefaultHeloName => Protocol.SmtpDefaults.HeloName;

        /// <summary>The bound on each step every cmdlet uses unless -TimeoutSec says otherwise.</summary>
        public static TimeSpan DefaultTimeout => Protocol.SmtpDefaults.Timeout;

        /// <summary>Resolves host names instead of the system's resolver (-DnsServer); null for the system's.</summary>
        public Discovery.DnsResolver? Dns { get; set; }

        /// <summary>Called when the server first sends anything (see <see cref="Protocol.SmtpConversationPlan.Answered"/>); null for no one.</summary>
        internal Action? Answered { get; set; }

        /// <summary>Called when the probe's TCP connection is established (see <see cref="Protocol.SmtpConversationPlan.Connected"/>); null for no one.</summary>
        internal Action? Connected { get; set; }

        /// <summary>A copy of these options whose transcript lines go to <paramref name="transcript"/>.</summary>
        internal SmtpProbeOptions WithTranscript(Action<string>? transcript) => With(transcript, Answered, Connected);

        /// <summary>A copy of these options with <paramref name="transcript"/>, <paramref name="answered"/> and <paramref name="connected"/>.</summary>
        internal SmtpProbeOptions With(Action<string>? transcript, Action? answered, Action? connected) => new SmtpProbeOptions
        {
            Timeout = Timeout,
            GreetingWait = GreetingWait,
            CertificatePolicy = CertificatePolicy,
            HeloName = HeloName,
            Transcript = transcript,
            Dns = Dns,
            Answered = answered,
            Connected = connected,
        };
    }
}
