using System;
using System.Collections.Generic;
using System.Net;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// What one conversation saw of an endpoint, fixed once it ended: the address reached, the greeting, the mode the
    /// port really speaks, EHLO before and after TLS, the TLS session, timings, and the failure that stopped it short
    /// (if any, with the step it happened in). Every cmdlet's result is made from these facts.
    /// </summary>
    internal sealed class SmtpEndpointFacts
    {
        private SmtpEndpointFacts(Builder b)
        {
            ComputerName = b.ComputerName;
            Port = b.Port;
            Requested = b.Requested;
            RemoteAddress = b.RemoteAddress;
            ConnectTime = b.ConnectTime;
            Observed = b.Observed;
            Greeting = b.Greeting;
            GreetingTime = b.GreetingTime;
            LateGreeting = b.LateGreeting;
            ExtensionsBeforeTls = b.ExtensionsBeforeTls;
            ExtensionsAfterTls = b.ExtensionsAfterTls;
            RefusedEhlo = b.RefusedEhlo;
            Tls = b.Tls;
            Silence = b.Silence;
            FailureKind = b.FailureKind;
            FailureStep = b.FailureStep;
            ErrorMessage = b.ErrorMessage;
            ReplyCode = b.ReplyCode;
            Cause = b.Cause;
        }

        public string ComputerName { get; }

        public int Port { get; }

        /// <summary>What the caller asked for.</summary>
        public SmtpRequestedSecurity Requested { get; }

        /// <summary>The address that accepted the connection; null when none did.</summary>
        public IPAddress? RemoteAddress { get; }

        public TimeSpan? ConnectTime { get; }

        /// <summary>The mode the port speaks, found by behaviour: Unknown until it greeted (in clear or inside TLS).</summary>
        public SmtpObservedSecurity Observed { get; }

        /// <summary>The greeting (in clear, or inside implicit TLS); null when none came.</summary>
        public SmtpReply? Greeting { get; }

        /// <summary>From the connection (or from TLS up, for implicit TLS) to the greeting.</summary>
        public TimeSpan? GreetingTime { get; }

        /// <summary>
        /// Set when the port greeted in clear only after the detection had given up on it: our ClientHello got an SMTP
        /// reply, and these facts are from a second connection that let it greet in its own time.
        /// </summary>
        public TimeSpan? LateGreeting { get; }

        public SmtpExtensions? ExtensionsBeforeTls { get; }

        public SmtpExtensions? ExtensionsAfterTls { get; }

        /// <summary>EHLO's reply in clear when it was not 250 (an old SMTP server); null otherwise.</summary>
        public SmtpReply? RefusedEhlo { get; }

        /// <summary>The TLS session and the certificate verdict; null without TLS.</summary>
        public TlsInspection? Tls { get; }

        /// <summary>What a second, clear-text connection learnt of a port that stayed silent (see <see cref="SilenceExplanation"/>); null when not asked or still silent.</summary>
        public SilenceExplanation? Silence { get; }

        public SmtpFailureKind FailureKind { get; }

        /// <summary>The step the failure happened in (meaningless without one).</summary>
        public ConversationStep FailureStep { get; }

        public string? ErrorMessage { get; }

        /// <summary>The reply code behind the failure, 0 when it was not a reply.</summary>
        public int ReplyCode { get; }

        /// <summary>The exception behind the failure (a rejected certificate's verdict rides in it), or null.</summary>
        public Exception? Cause { get; }

        /// <summary>True when the port greeted at all, in clear or inside TLS.</summary>
        public bool Greeted => Greeting != null;

        /// <summary>The failure as the exception a caller throws.</summary>
        public SmtpConnectionException ToException() =>
            Cause as SmtpConnectionException ?? new SmtpConnectionException(FailureKind, ErrorMessage ?? FailureKind.ToString(), Cause, ReplyCode);

        /// <summary>The mutable side, filled in while the conversation runs.</summary>
        internal sealed class Builder
        {
            public string ComputerName = string.Empty;
            public int Port;
            public SmtpRequestedSecurity Requested;
            public IPAddress? RemoteAddress;
            public TimeSpan? ConnectTime;
            public SmtpObservedSecurity Observed;
            public SmtpReply? Greeting;
            public TimeSpan? GreetingTime;
            public TimeSpan? LateGreeting;
            public SmtpExtensions? ExtensionsBeforeTls;
            public SmtpExtensions? ExtensionsAfterTls;
            public SmtpReply? RefusedEhlo;
            public TlsInspection? Tls;
            public SilenceExplanation? Silence;
            public SmtpFailureKind FailureKind;
            public ConversationStep FailureStep;
            public string? ErrorMessage;
            public int ReplyCode;
            public Exception? Cause;

            /// <summary>Starts over for a second connection (a late greeter): only name, port and request stay.</summary>
            public void Clear()
            {
                Observed = SmtpObservedSecurity.Unknown;
                Greeting = null;
                GreetingTime = null;
                ExtensionsBeforeTls = ExtensionsAfterTls = null;
                RefusedEhlo = null;
                Tls = null;
                Silence = null;
                FailureKind = SmtpFailureKind.None;
                ErrorMessage = null;
                ReplyCode = 0;
                Cause = null;
            }

            public SmtpEndpointFacts Build() => new SmtpEndpointFacts(this);
        }
    }
}
