using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Net.Mail;
using System.Security;
using System.Text;
using System.Threading;

namespace SmtpTools.Commands
{
    /// <summary>
    /// <para type="synopsis">Sends e-mail securely: the drop-in replacement for Send-MailMessage.</para>
    /// <para type="description">
    /// Takes Send-MailMessage's parameters with the same names and meanings, so a script switches by renaming the
    /// command. Unlike Send-MailMessage it never sends in clear text by accident: the mode is found by behaviour on any
    /// port (implicit TLS, or STARTTLS required: a server that does not offer it is refused); certificates are verified; TLS 1.2
    /// is the minimum; credentials and tokens never travel unencrypted and never appear in any output or log.
    /// Each pipeline object is one message; all messages of one pipeline share one SMTP session.
    /// </para>
    /// <para type="description">
    /// -Port defaults to 25 as in Send-MailMessage, so a script that never named a port keeps reaching the same
    /// server, now with STARTTLS required. For message submission RFC 8314 recommends 465 (implicit TLS) or 587.
    /// </para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "SecureMail", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = HelpLinks.Docs + "Send-SecureMail.md")]
    [OutputType(typeof(SmtpSendResult))]
    public sealed class SendSecureMailCommand : SmtpCmdletBase
    {
        private const int ProgressId = 0x5eed;

        private PipelinePump? _pump;
        private CertificatePolicy? _certificatePolicy;
        private NetworkCredential? _credential;
        private Authentication.SmtpTokenSource? _tokenSource;
        private string? _protocolLogPath;
        private bool _transcriptToDebug;
        private readonly SmtpSendBatch _batch = new SmtpSendBatch();
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);
        private System.Diagnostics.Stopwatch? _progressShown;
        private int _messages;
        private int _sent;
        private int _failed;

        /// <summary>Recipients: addresses, or strings of comma-separated addresses ("Name &lt;user@example.com&gt;" allowed).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] To { get; set; } = Array.Empty<string>();

        /// <summary>The subject.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("sub")]
        [AllowEmptyString]
        public string? Subject { get; set; }

        /// <summary>The body: plain text, or HTML with -BodyAsHtml. With -HtmlBody, the text version of a multipart/alternative message.</summary>
        [Parameter(Position = 2, ValueFromPipelineByPropertyName = true)]
        [AllowEmptyString]
        public string? Body { get; set; }

        /// <summary>The SMTP server; $PSEmailServer when omitted. Binds ComputerName from Test-SmtpPort output.</summary>
        [Parameter(Position = 3, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName")]
        [ValidateNotNullOrEmpty]
        public string? SmtpServer { get; set; }

        /// <summary>The sender address.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string From { get; set; } = string.Empty;

        /// <summary>Carbon-copy recipients.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string[] Cc { get; set; } = Array.Empty<string>();

        /// <summary>Blind carbon-copy recipients: in the envelope only, never in a header.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string[] Bcc { get; set; } = Array.Empty<string>();

        /// <summary>Reply-To addresses.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string[] ReplyTo { get; set; } = Array.Empty<string>();

        /// <summary>-Body is HTML.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("BAH")]
        public SwitchParameter BodyAsHtml { get; set; }

        /// <summary>An HTML body. With a text -Body, both are sent as multipart/alternative.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public string? HtmlBody { get; set; }

        /// <summary>Files to attach (streamed from disk, never read whole into memory).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("PsPath")]
        [ValidateNotNullOrEmpty]
        public string[] Attachments { get; set; } = Array.Empty<string>();

        /// <summary>Inline parts for the HTML body: @{ logo = './logo.png' }, referenced as &lt;img src="cid:logo"&gt;.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("InlineImage")]
        public IDictionary? InlineAttachment { get; set; }

        /// <summary>Extra header fields: @{ 'X-Ticket' = '4711' }. Names and values are checked so nothing can inject a header line.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public IDictionary? Headers { get; set; }

        /// <summary>Normal, Low or High.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public MailPriority Priority { get; set; } = MailPriority.Normal;

        /// <summary>Delivery status notifications to request (RFC 3461): None, OnSuccess, OnFailure, Delay, Never.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("DNO")]
        public DeliveryNotificationOptions DeliveryNotificationOption { get; set; } = DeliveryNotificationOptions.None;

        /// <summary>The character set of body and subject: an Encoding or a name such as UTF8, ASCII, Latin1. UTF-8 by default.</summary>
        [Parameter]
        [Alias("BE")]
        [EncodingTransformation]
        [ArgumentCompleter(typeof(EncodingCompleter))]
        [ValidateNotNull]
        public Encoding Encoding { get; set; } = new UTF8Encoding(false);

        /// <summary>The TCP port; 25 as in Send-MailMessage. The security mode is found by what the port does, not by its number.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, 65535)]
        [ArgumentCompleter(typeof(SmtpPortCompleter))]
        public int Port { get; set; } = 25;

        /// <summary>Credentials for SMTP AUTH. Only ever sent inside TLS.</summary>
        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        /// <summary>Accepted for Send-MailMessage compatibility: encryption is always required unless -Security None -AllowUnencrypted.</summary>
        [Parameter]
        public SwitchParameter UseSsl { get; set; }

        /// <summary>Auto (by behaviour: implicit TLS, or STARTTLS required), ImplicitTls, StartTls, or None (needs -AllowUnencrypted; never with credentials). Binds Test-SmtpPort's Security.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SmtpSecurityTransformation]
        public SmtpRequestedSecurity Security { get; set; } = SmtpRequestedSecurity.Auto;

        /// <summary>Confirms that -Security None may send the message in clear text. Credentials and tokens are still refused.</summary>
        [Parameter]
        public SwitchParameter AllowUnencrypted { get; set; }

        /// <summary>An OAuth 2.0 access token (XOAUTH2/OAUTHBEARER) for Microsoft 365 or Gmail: Get-SmtpAccessToken's output, renewed when due during a long batch, or a token from elsewhere as a SecureString or string (used as it is).</summary>
        [Parameter]
        [AccessTokenTransformation]
        [ValidateNotNull]
        public SmtpAccessToken? AccessToken { get; set; }

        /// <summary>The account the access token belongs to; the From address by default.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? UserName { get; set; }

        /// <summary>SHA-1 or SHA-256 thumbprints of server certificates accepted whatever their chain (pinning).</summary>
        [Parameter]
        [Alias("Thumbprint")]
        [ValidateNotNullOrEmpty]
        public string[] CertificateThumbprint { get; set; } = Array.Empty<string>();

        /// <summary>The lowest TLS version accepted: Tls12 by default; lowering it is explicit.</summary>
        [Parameter]
        [ValidateSet("Tls10", "Tls11", "Tls12", "Tls13")]
        public TlsProtocolVersion MinimumTlsVersion { get; set; } = TlsProtocolVersion.Tls12;

        /// <summary>Ask that every server on the way use TLS (REQUIRETLS, RFC 8689). Fails if the server does not offer it.</summary>
        [Parameter]
        public SwitchParameter RequireTls { get; set; }

        /// <summary>Further attempts after a dropped connection, a timeout or a 4xx reply; what would only fail again (5xx, a refused connection, certificate, TLS, protocol or security-mode failures) is never retried. The worst case per message is (RetryCount + 1) x TimeoutSec plus the back-off.</summary>
        [Parameter]
        [ValidateRange(0, 10)]
        public int RetryCount { get; set; } = 2;

        /// <summary>Seconds before the first retry; doubled for each further one.</summary>
        [Parameter]
        [ValidateRange(0, 300)]
        public double RetryDelaySec { get; set; } = 1;

        /// <summary>Also retry when the connection broke after the whole message was sent (may deliver it twice).</summary>
        [Parameter]
        public SwitchParameter RetryWhenOutcomeUnknown { get; set; }

        /// <summary>Appends a swaks-style transcript of the SMTP conversation to this file, secrets redacted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? ProtocolLog { get; set; }

        /// <summary>Emit one result per message.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc />
        protected override CertificatePolicy BuildCertificatePolicy() => BuildCertificatePolicy(CertificateThumbprint);

        /// <inheritdoc />
        protected override void BeginProcessing()
        {
            _pump = new PipelinePump();
            if (Credential != null && AccessToken != null)
            {
                ThrowTerminatingError(SmtpErrors.InvalidArgument("SmtpTools.ConflictingAuthentication", "Give either -Credential or -AccessToken, not both.", null));
            }

            WarnIfCertificateCheckSkipped();
            if (UseSsl)
            {
                WriteVerbose("-UseSsl is accepted for Send-MailMessage compatibility; encryption is always required here (-Security Auto: implicit TLS or STARTTLS, as the port speaks).");
            }

            if (MinimumTlsVersion < TlsProtocolVersion.Tls12)
            {
                WriteWarning($"-MinimumTlsVersion {MinimumTlsVersion}: TLS versions below 1.2 are deprecated (RFC 8996) and will be accepted.");
            }

            _certificatePolicy = BuildCertificatePolicy();
            _credential = Credential == null || Credential == PSCredential.Empty ? null : new NetworkCredential(Credential.UserName, Credential.Password);
            _tokenSource = AccessToken == null ? null : new Authentication.SmtpTokenSource(AccessToken) { Activity = line => _pump!.PostOrRun(() => WriteVerbose(line)) };
            _protocolLogPath = ProtocolLog == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ProtocolLog);
            _transcriptToDebug = MyInvocation.BoundParameters.ContainsKey("Debug")
                || (GetVariableValue("DebugPreference") is ActionPreference debug && debug != ActionPreference.SilentlyContinue);
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            _messages++;
            var outgoing = BuildOutgoingMessage(out var pathError);
            using (var request = _batch.Prepare(outgoing, BuildSendOptions(), pathError))
            {
                if (request.Refusal != null)
                {
                    Report(request.Refusal);
                    return;
                }

                if (!ShouldProcess(request.Description, request.Description + "?", "Send-SecureMail"))
                {
                    return;
                }

                var prepared = request.Message!;
                if (_progressShown == null || _progressShown.Elapsed >= ProgressInterval)
                {
                    // A progress record per message costs the pipeline more than some sends: a few a second are all a person can read.
                    WriteProgress(new ProgressRecord(ProgressId, "Send-SecureMail", $"{_sent} sent, {_failed} failed")
                    {
                        CurrentOperation = $"Message {_messages} to {string.Join(", ", prepared.Recipients.Take(3))}{(prepared.Recipients.Count > 3 ? ", ..." : string.Empty)}",
                    });
                    _progressShown = System.Diagnostics.Stopwatch.StartNew();
                }

                SmtpSendResult result;
                try
                {
                    result = _batch.Send(request, CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return; // Ctrl+C: the pipeline is stopping.
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    ThrowTerminatingError(new ErrorRecord(e, "SmtpTools.ProtocolLogUnwritable", ErrorCategory.WriteError, request.Options.ProtocolLogPath)
                    {
                        ErrorDetails = new ErrorDetails(TerminalText.Escape($"The protocol log '{request.Options.ProtocolLogPath}' cannot be written: {e.Message}")),
                    });
                    return;
                }
                finally
                {
                    _pump!.RunPending();
                }

                Report(result);
            }
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            try
            {
                _batch.Close(CancellationToken);
            }
            finally
            {
                _pump?.RunPending();
            }

            if (_messages > 0)
            {
                WriteProgress(new ProgressRecord(ProgressId, "Send-SecureMail", $"{_sent} sent, {_failed} failed") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <inheritdoc />
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _batch.Dispose();
                _pump?.Dispose();
            }

            base.Dispose(disposing);
        }

        private SmtpSendOptions BuildSendOptions()
        {
            var server = SmtpServer;
            if (string.IsNullOrWhiteSpace(server))
            {
                server = SessionState.PSVariable.GetValue("PSEmailServer")?.ToString();
            }

            return new SmtpSendOptions
            {
                SmtpServer = server?.Trim() ?? string.Empty,
                Port = Port,
                Security = Security,
                AllowUnencrypted = AllowUnencrypted,
                CertificatePolicy = _certificatePolicy ?? BuildCertificatePolicy(),
                MinimumTlsVersion = MinimumTlsVersion,
                Credential = _credential,
                TokenSource = _tokenSource,
                AccessTokenUser = AccessToken == null ? null : UserName ?? AccessToken.UserName,
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                Dns = DnsServer.Length == 0 ? null : BuildDnsResolver(),
                HeloName = HeloName,
                RetryCount = RetryCount,
                RetryDelay = TimeSpan.FromSeconds(RetryDelaySec),
                RetryWhenOutcomeUnknown = RetryWhenOutcomeUnknown,
                RequireTls = RequireTls,
                ProtocolLogPath = _protocolLogPath,
                Transcript = _transcriptToDebug ? line => _pump!.PostOrRun(() => WriteDebug(line)) : (Action<string>?)null,
                Activity = line => _pump!.PostOrRun(() => WriteVerbose(line)),
            };
        }

        private OutgoingMessage BuildOutgoingMessage(out SmtpMessageException? pathError)
        {
            pathError = null;
            var message = new OutgoingMessage
            {
                From = From,
                To = To.ToList(),
                Cc = Cc.ToList(),
                Bcc = Bcc.ToList(),
                ReplyTo = ReplyTo.ToList(),
                Subject = Subject,
                Body = Body,
                BodyAsHtml = BodyAsHtml,
                HtmlBody = HtmlBody,
                Priority = Priority,
                DeliveryNotification = DeliveryNotificationOption,
                Encoding = Encoding,
            };

            foreach (DictionaryEntry header in Headers ?? new Hashtable())
            {
                message.Headers[header.Key?.ToString() ?? string.Empty] = header.Value?.ToString() ?? string.Empty;
            }

            try
            {
                foreach (var path in Attachments)
                {
                    message.Attachments.Add(ResolvePath(path));
                }

                foreach (DictionaryEntry inline in InlineAttachment ?? new Hashtable())
                {
                    message.InlineAttachments[inline.Key?.ToString() ?? string.Empty] = ResolvePath(inline.Value?.ToString() ?? string.Empty);
                }
            }
            catch (SmtpMessageException e)
            {
                pathError = e;
            }

            return message;
        }

        private string ResolvePath(string path)
        {
            try
            {
                return SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            }
            catch (Exception e) when (e is ItemNotFoundException || e is ProviderNotFoundException || e is System.Management.Automation.DriveNotFoundException || e is NotSupportedException || e is ArgumentException || e is PSInvalidOperationException)
            {
                throw new SmtpMessageException(SmtpMessageProblem.AttachmentNotFound, $"The attachment path '{path}' cannot be resolved to a file: {e.Message}", path, e);
            }
        }

        // One way for every failure, refused before connecting or not: the exception says which id it gets.
        private static ErrorRecord ErrorFor(SmtpSendResult result)
        {
            var recipients = string.Join(", ", result.Recipients);
            switch (result.GetException())
            {
                case SmtpMessageException problem:
                    return SmtpErrors.FromMessageProblem(problem, problem.OffendingValue);
                case SmtpConnectionException connection when connection.Kind == result.FailureKind:
                    return SmtpErrors.FromException(connection, recipients);
                case ArgumentException noServer:
                    return SmtpErrors.InvalidArgument("SmtpTools.NoSmtpServer", noServer.Message, result.SmtpServer);
                case var other:
                    return SmtpErrors.FromFailure(result.FailureKind, result.ErrorMessage ?? result.FailureKind.ToString(), recipients, other);
            }
        }

        private void Report(SmtpSendResult result)
        {
            if (result.Status == SmtpSendStatus.Sent)
            {
                _sent++;
            }
            else
            {
                _failed++;
            }

            foreach (var rejected in result.RejectedRecipients)
            {
                var message = $"{result.SmtpServer}:{result.Port} refused the recipient {rejected.Address} of message <{result.MessageId}>: {rejected.ReplyCode} {rejected.Response}. " +
                    (result.AcceptedRecipients.Count > 0 ? "The other recipients got the message; check this address." : "Check the address.");
                WriteError(SmtpErrors.FromFailure(SmtpFailureKind.RecipientRejected, message, rejected.Address, new SmtpConnectionException(SmtpFailureKind.RecipientRejected, message, null, rejected.ReplyCode)));
            }

            if (result.FailureKind != SmtpFailureKind.None && result.FailureKind != SmtpFailureKind.RecipientRejected)
            {
                WriteError(ErrorFor(result));
            }

            if (PassThru)
            {
                WriteObject(result);
            }
        }
    }
}
