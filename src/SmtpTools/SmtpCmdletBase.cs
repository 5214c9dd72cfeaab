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
        public int TimeoutSec { get; set; } = 10;

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
        public string HeloName { get; set; } = DefaultHeloName();

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
                Dns = DnsServer.Length == 0 ? null : BuildDnsResolver(),
            };
        }

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

        /// <summary>The domain of a -Domain argument: "alice@example.com" gives "example.com"; a trailing dot is dropped.</summary>
        protected static string DomainOf(string entry)
        {
            var at = entry.LastIndexOf('@');
            return (at < 0 ? entry : entry.Substring(at + 1)).Trim().TrimEnd('.');
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

        private static string DefaultHeloName()
        {
            try
            {
                var name = System.Net.Dns.GetHostName();
                return string.IsNullOrWhiteSpace(name) ? "localhost" : name;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return "localhost";
            }
        }
    }
}
