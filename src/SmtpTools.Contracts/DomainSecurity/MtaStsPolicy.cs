using System;
using System.Collections.Generic;

namespace SmtpTools
{
    /// <summary>A domain's MTA-STS state (RFC 8461): the _mta-sts TXT record and the policy fetched over HTTPS.</summary>
    public sealed class MtaStsPolicy
    {
        /// <summary>The _mta-sts TXT record as published, or null when there is none.</summary>
        public string? Record { get; internal set; }

        /// <summary>The record's id (1-32 letters and digits; senders refetch the policy when it changes), or null.</summary>
        public string? Id { get; internal set; }

        /// <summary>Where the policy lives: https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt.</summary>
        public Uri? PolicyUri { get; internal set; }

        /// <summary>The mode senders apply; NoPolicy when none is published or it cannot be used.</summary>
        public MtaStsMode Mode { get; internal set; }

        /// <summary>How long senders cache the policy (max_age), or null.</summary>
        public TimeSpan? MaxAge { get; internal set; }

        /// <summary>The policy's mx patterns ("mail.example.com", "*.example.net").</summary>
        public IReadOnlyList<string> MxPatterns { get => _mxPatterns; internal set => _mxPatterns = SmtpList<string>.From(value); }

        private IReadOnlyList<string> _mxPatterns = SmtpList<string>.Empty;

        /// <summary>Why the record or policy cannot be used, or null when it can (or none is published).</summary>
        public string? Problem { get; internal set; }

        /// <inheritdoc />
        public override string ToString() => Mode == MtaStsMode.NoPolicy ? (Problem == null ? "none" : "unusable") : $"{Mode.ToString().ToLowerInvariant()} ({string.Join(", ", MxPatterns)})";
    }
}
