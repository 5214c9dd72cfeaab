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

        /// <summary>Extra CA certificates (objects or PEM/DER file paths) to trust, such as a private CA.</summary>
        [Parameter]
        [Alias("CACertificate")]
        [CertificateFileTransformation]
        [ValidateNotNull]
        public X509Certificate2[] TrustedCertificate { get; set; } = Array.Empty<X509Certificate2>();

        /// <summary>The name to introduce ourselves with in EHLO; by default this machine's name.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ValidatePattern(@"^[A-Za-z0-9]([A-Za-z0-9\-\.]{0,252})$|^\[[0-9A-Fa-f:\.]+\]$")]
        public string HeloName { get; set; } = SmtpProbeOptions.DefaultHeloName;

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancellationToken => _stopping.Token;

        /// <summary>The certificate policy these parameters ask for.</summary>
        protected virtual CertificatePolicy BuildCertificatePolicy() =>
            new CertificatePolicy(TrustedCertificate, null, SkipCertificateCheck.IsPresent);

        /// <summary>The probe options these parameters ask for.</summary>
        internal SmtpProbeOptions BuildProbeOptions(PipelinePump? pump)
        {
            return new SmtpProbeOptions
            {
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                CertificatePolicy = BuildCertificatePolicy(),
                HeloName = HeloName,
                Transcript = pump == null ? null : line => pump.Post(() => WriteVerbose(line)),
            };
        }

        /// <summary>Warns once per command when certificate checks are off.</summary>
        protected void WarnIfCertificateCheckSkipped()
        {
            if (SkipCertificateCheck)
            {
                WriteWarning("-SkipCertificateCheck: server certificates are NOT verified. Anyone between you and the server can impersonate it and read what you send.");
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
