using System;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Threading;

namespace SmtpTools.Commands
{
    /// <summary>What every SmtpTools cmdlet shares: timeouts, certificate trust, EHLO name, cancellation with Ctrl+C.</summary>
    public abstract class SmtpCmdletBase : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        /// <summary>Seconds to wait for each network step (connect, greeting, TLS handshake, each command).</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = (int)SmtpProbeOptions.DefaultTimeout.TotalSeconds;

        /// <summary>Accept any server certificate. Dangerous: a man in the middle can read everything. The problems are still reported.</summary>
        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>
        /// Accept certificates signed with SHA-1 or MD5, or with an RSA key under 2048 bits, which are refused by
        /// default. The weakness is still reported, and a warning says so.
        /// </summary>
        [Parameter]
        public SwitchParameter SkipCertificateStrengthCheck { get; set; }

        /// <summary>Do not ask the issuer (OCSP, CRL) whether the server's certificate was revoked; for offline networks.</summary>
        [Parameter]
        public SwitchParameter SkipRevocationCheck { get; set; }

        /// <summary>Refuse a certificate whose revocation status cannot be learnt (responder or CRL unreachable); by default that is only reported.</summary>
        [Parameter]
        public SwitchParameter RequireRevocationCheck { get; set; }

        /// <summary>Extra CA certificates (objects or PEM/DER file paths) to trust, such as a private CA.</summary>
        [Parameter]
        [Alias("CACertificate")]
        [CertificateFileTransformation]
        [ValidateNotNull]
        public X509Certificate2[] TrustedCertificate { get; set; } = Array.Empty<X509Certificate2>();

        /// <summary>The name to introduce ourselves with in EHLO; by default this machine's name.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ValidatePattern(@"^(?:[A-Za-z0-9][A-Za-z0-9\-\.]{0,252}|\[[0-9A-Fa-f:\.]+\])\z")]
        public string HeloName { get; set; } = SmtpProbeOptions.DefaultHeloName;

        /// <summary>
        /// DNS servers to resolve names with instead of the system's resolvers: IP addresses with an optional port
        /// ("192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]:5353"). Each question is bounded by -TimeoutSec.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [DnsServerValidation]
        [ArgumentCompleter(typeof(DnsServerCompleter))]
        public string[] DnsServer { get; set; } = Array.Empty<string>();

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancellationToken => _stopping.Token;

        /// <summary>The certificate policy these parameters ask for.</summary>
        protected virtual CertificatePolicy BuildCertificatePolicy() => BuildCertificatePolicy(null);

        /// <summary>The certificate policy these parameters ask for, with pinned leaf thumbprints.</summary>
        protected CertificatePolicy BuildCertificatePolicy(string[]? pinnedThumbprints)
        {
            var revocation = SkipRevocationCheck ? CertificateRevocationCheck.Skip : RequireRevocationCheck ? CertificateRevocationCheck.Require : CertificateRevocationCheck.Check;
            return new CertificatePolicy(TrustedCertificate, pinnedThumbprints, SkipCertificateCheck.IsPresent, SkipCertificateStrengthCheck.IsPresent, revocation)
            {
                // Inside the handshake, which -TimeoutSec bounds as a whole: a third of it for OCSP, a third for the CRL.
                RevocationTimeout = TimeSpan.FromSeconds(TimeoutSec / 3.0),
            };
        }

        /// <summary>
        /// Whether anything written to the verbose (or debug) stream is shown or kept: -Verbose/-Debug as given, else the
        /// preference variable in the caller's scope. SilentlyContinue and Ignore drop the lines, so none need be built.
        /// </summary>
        protected bool StreamShown(string parameter, string preferenceVariable)
        {
            if (MyInvocation.BoundParameters.TryGetValue(parameter, out var given))
            {
                return given is SwitchParameter flag ? flag.IsPresent : LanguagePrimitives.IsTrue(given);
            }

            var preference = GetVariableValue(preferenceVariable);
            return !LanguagePrimitives.TryConvertTo<ActionPreference>(preference, System.Globalization.CultureInfo.InvariantCulture, out var value)
                || (value != ActionPreference.SilentlyContinue && value != ActionPreference.Ignore);
        }

        /// <summary>
        /// Where the engine's transcript lines go: the verbose stream, through <paramref name="pump"/>; null when that
        /// stream is dropped (no -Verbose, VerbosePreference SilentlyContinue or Ignore), so no line is even formatted: a
        /// sweep would otherwise build, post and throw away a dozen lines per endpoint.
        /// </summary>
        internal Action<string>? VerboseLines(PipelinePump? pump) =>
            pump == null || !StreamShown("Verbose", "VerbosePreference") ? null : line => pump.Post(() => WriteVerbose(line));

        /// <summary>The probe options these parameters ask for; the transcript goes to <see cref="VerboseLines"/>.</summary>
        internal SmtpProbeOptions BuildProbeOptions(PipelinePump? pump)
        {
            return new SmtpProbeOptions
            {
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                CertificatePolicy = BuildCertificatePolicy(),
                HeloName = HeloName,
                Transcript = VerboseLines(pump),
                Dns = DnsServer.Length == 0 ? null : BuildDnsResolver(),
            };
        }

        /// <summary>Writes a verbose line; server text in it reaches the terminal with control characters escaped.</summary>
        public new void WriteVerbose(string text) => base.WriteVerbose(TerminalText.Escape(text));

        /// <summary>Writes a debug line; server text in it reaches the terminal with control characters escaped.</summary>
        public new void WriteDebug(string text) => base.WriteDebug(TerminalText.Escape(text));

        /// <summary>Writes a warning; server text in it reaches the terminal with control characters escaped.</summary>
        public new void WriteWarning(string text) => base.WriteWarning(TerminalText.Escape(text));

        /// <summary>The resolver -DnsServer names, or the system's resolvers; bounded by -TimeoutSec.</summary>
        /// <exception cref="DnsLookupException">No server named and the system names none.</exception>
        internal Discovery.DnsResolver BuildDnsResolver()
        {
            var servers = new System.Collections.Generic.List<System.Net.IPEndPoint>();
            foreach (var text in DnsServer)
            {
                Discovery.DnsServerAddress.TryParse(text, out var endpoint, out _);
                servers.Add(endpoint!); // validated at binding
            }

            return new Discovery.DnsResolver(servers, TimeSpan.FromSeconds(TimeoutSec));
        }

        /// <summary><see cref="BuildDnsResolver"/>, or a terminating error when the system names no DNS server.</summary>
        internal Discovery.DnsResolver BuildDnsResolverOrTerminate()
        {
            try
            {
                return BuildDnsResolver();
            }
            catch (DnsLookupException e)
            {
                ThrowTerminatingError(DiscoveryErrors.FromDnsFailure(e, null));
                throw; // not reached: ThrowTerminatingError throws
            }
        }

        /// <summary>Warns once per command when certificate checks are off or relaxed.</summary>
        protected void WarnIfCertificateCheckSkipped()
        {
            if (SkipCertificateCheck)
            {
                WriteWarning("-SkipCertificateCheck: server certificates are NOT verified. Anyone between you and the server can impersonate it and read what you send.");
            }

            if (SkipCertificateStrengthCheck)
            {
                WriteWarning("-SkipCertificateStrengthCheck: certificates signed with SHA-1 or MD5, or with RSA keys under 2048 bits, are accepted. Such certificates can be forged.");
            }

            if (SkipRevocationCheck)
            {
                WriteWarning("-SkipRevocationCheck: a certificate its issuer revoked (a stolen key, for example) is accepted.");
            }

            if (SkipRevocationCheck && RequireRevocationCheck)
            {
                ThrowTerminatingError(SmtpErrors.InvalidArgument("SmtpTools.ConflictingRevocationCheck", "Give either -SkipRevocationCheck or -RequireRevocationCheck, not both.", null));
            }
        }

        /// <inheritdoc />
        protected override void StopProcessing() => _stopping.Cancel();

        /// <inheritdoc />
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases the cancellation source.</summary>
        protected virtual void Dispose(bool disposing)
        {
            if (disposing)
            {
                _stopping.Dispose();
            }
        }
    }
}
