using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Capability;

namespace SmtpTools.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows what an SMTP server offers, how well its TLS is set up, and what is wrong with it.</para>
    /// <para type="description">
    /// For each endpoint, one SmtpCapabilityReport: the banner; the EHLO extensions in clear and inside TLS, raw and
    /// parsed (SIZE, PIPELINING, 8BITMIME, SMTPUTF8, CHUNKING, BINARYMIME, DSN, ENHANCEDSTATUSCODES, REQUIRETLS, AUTH);
    /// the negotiated TLS version, cipher suite and key exchange; the certificate with its chain and verdict; which of
    /// TLS 1.0, 1.1, 1.2 and 1.3 the server accepts; and findings, each with a severity, what to do, and the RFC behind it.
    /// </para>
    /// <para type="description">
    /// The TLS version scan is on by default: four extra handshakes, in parallel, each offering one version, made with
    /// BouncyCastle's own TLS client so the answer does not depend on what this machine's TLS stack allows (Debian's
    /// OpenSSL will not even offer TLS 1.0). It adds a few tens of milliseconds per endpoint; -SkipTlsVersionScan
    /// turns it off.
    /// </para>
    /// <para type="description">
    /// -ScanCipherSuites also finds every cipher suite the server accepts at each accepted TLS version, by elimination
    /// on parallel chains of short handshakes read up to the ServerHello, whose order decides, and the weak suites
    /// accepted. It is off by default: it roughly doubles an audit.
    /// </para>
    /// <para type="description">
    /// Certificate problems never stop the inspection: they are findings. -SkipCertificateCheck only matters with
    /// -Credential, which is sent (AUTH PLAIN, else LOGIN) only inside TLS and only to an acceptable certificate.
    /// </para>
    /// <para type="description">
    /// Binds ComputerName, Port and Security by property name, so Test-SmtpPort results and Import-Csv rows pipe in.
    /// The default view is a list for reading one endpoint; pipe to Format-Table for one line per endpoint.
    /// </para>
    /// <example>
    ///   <code>Get-SmtpCapability mail.example.com -Port 587</code>
    /// </example>
    /// <example>
    ///   <code>Import-Csv servers.csv | Get-SmtpCapability | Where-Object { $_.Findings.Severity -contains 'High' }</code>
    /// </example>
    /// <example>
    ///   <code>Test-SmtpPort mx.example.com | Where-Object Status -eq Open | Get-SmtpCapability | Format-Table</code>
    /// </example>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "SmtpCapability", HelpUri = HelpLinks.Docs + "Get-SmtpCapability.md")]
    [OutputType(typeof(SmtpCapabilityReport))]
    public sealed class GetSmtpCapabilityCommand : SmtpCmdletBase
    {
        private PipelinePump? _pump;
        private SmtpCapabilitySweep? _sweep;

        /// <summary>Host names or addresses to inspect.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("CN", "HostName", "Server", "SmtpServer", "NameExchange", "DnsHostName")]
        [ValidateNotNullOrEmpty]
        public string[] ComputerName { get; set; } = Array.Empty<string>();

        /// <summary>TCP ports to inspect; 25 by default.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        [ArgumentCompleter(typeof(SmtpPortCompleter))]
        public int[] Port { get; set; } = { 25 };

        /// <summary>
        /// Auto (default) detects the mode as Test-SmtpPort does; ImplicitTls and StartTls say what the port speaks;
        /// None inspects without TLS even when offered. Takes Test-SmtpPort's Security (PlainOnly means None). Auto gives
        /// a silent port 1 s to greet before trying TLS, so naming ImplicitTls (or piping Test-SmtpPort's results)
        /// makes implicit-TLS ports quicker.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SmtpSecurityTransformation]
        public SmtpRequestedSecurity Security { get; set; }

        /// <summary>
        /// A credential to verify: AUTH PLAIN (else LOGIN) inside TLS, to an acceptable certificate only; never in clear.
        /// The outcome is in AuthenticationResult.
        /// </summary>
        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        /// <summary>Do not find which TLS versions the server accepts (saves four short connections per endpoint).</summary>
        [Parameter]
        public SwitchParameter SkipTlsVersionScan { get; set; }

        /// <summary>
        /// Also find every cipher suite the server accepts at each accepted TLS version, whether the server's order or the
        /// client's decides, and flag the weak ones (anonymous, NULL, EXPORT, RC4, DES, 3DES, no forward secrecy, CBC
        /// with SHA-1). About one short handshake per accepted suite, in parallel; results in CipherSuiteScans.
        /// </summary>
        [Parameter]
        public SwitchParameter ScanCipherSuites { get; set; }

        /// <summary>How many endpoints are inspected at once.</summary>
        [Parameter]
        [ValidateRange(1, 256)]
        public int ThrottleLimit { get; set; } = 16;

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            if (ScanCipherSuites && SkipTlsVersionScan)
            {
                ThrowTerminatingError(SmtpErrors.InvalidArgument(
                    "SmtpTools.CipherScanNeedsVersionScan",
                    "-ScanCipherSuites scans the TLS versions the version scan finds accepted: leave out -SkipTlsVersionScan.",
                    null));
            }

            if (Credential != null && MyInvocation.BoundParameters.ContainsKey(nameof(Security)) && Security == SmtpRequestedSecurity.None)
            {
                ThrowTerminatingError(SmtpErrors.InvalidArgument(
                    "SmtpTools.CredentialRequiresTls",
                    "-Credential cannot be verified with -Security None: a password is only ever sent inside TLS. Use -Security Auto, StartTls or ImplicitTls.",
                    Credential.UserName));
            }

            WarnIfCertificateCheckSkipped();
            var pump = _pump = new PipelinePump();
            _sweep = new SmtpCapabilitySweep(BuildProbeOptions(pump), ThrottleLimit, CancellationToken);
            _sweep.ReportReady += report => pump.Post(() => Emit(report));
            _sweep.InspectionFailed += (endpoint, failure) => pump.Post(() => WriteError(SmtpErrors.FromFailure(failure.Kind, $"{endpoint}: {failure.Message}", endpoint, failure)));
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            var options = new SmtpCapabilityOptions
            {
                Security = Security,
                ScanTlsVersions = !SkipTlsVersionScan,
                ScanCipherSuites = ScanCipherSuites,
                Credential = Credential?.GetNetworkCredential(),
            };
            foreach (var host in ComputerName)
            {
                _sweep!.Add(host, Port, options);
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            _pump!.Run(_sweep!.CompleteAsync());
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _pump?.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Emit(SmtpCapabilityReport report)
        {
            var endpoint = $"{report.ComputerName}:{report.Port}";
            WriteObject(report);
            if (report.FailureKind != SmtpFailureKind.None)
            {
                WriteError(SmtpErrors.FromFailure(report.FailureKind, $"{endpoint}: {report.ErrorMessage}", report));
            }

            var authentication = AuthenticationFailure(report);
            if (authentication != null)
            {
                WriteError(SmtpErrors.FromFailure(authentication.Value.Kind, $"{endpoint}: {authentication.Value.Message}", report));
            }
        }

        private (SmtpFailureKind Kind, string Message)? AuthenticationFailure(SmtpCapabilityReport report)
        {
            switch (report.AuthenticationResult)
            {
                case SmtpAuthenticationResult.Failed:
                    return (SmtpFailureKind.AuthenticationFailed, $"the server rejected the credential for '{Credential?.UserName}' ({report.AuthenticationMechanism}): {report.AuthenticationMessage} Check the user name and password.");
                case SmtpAuthenticationResult.NoUsableMechanism:
                    return (SmtpFailureKind.AuthenticationFailed, report.AuthenticationMessage ?? "No usable AUTH mechanism.");
                case SmtpAuthenticationResult.WithheldNotEncrypted:
                    return (SmtpFailureKind.EncryptionRequired, report.AuthenticationMessage + " Use a port with TLS (587 with STARTTLS, or 465).");
                case SmtpAuthenticationResult.WithheldCertificateRejected:
                    return (SmtpFailureKind.CertificateRejected, report.AuthenticationMessage ?? "The certificate is not acceptable.");
                default:
                    return null;
            }
        }
    }
}
