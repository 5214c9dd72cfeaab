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
    /// Each pipeline object that brings message fields (a CSV row from Import-Csv, an object with To, Subject...) is one
    /// message; files and paths piped alone (Get-ChildItem ./report*.csv | Send-SecureMail ...) are all attached to one
    /// message, as with Send-MailMessage. All messages of one pipeline share one SMTP session. An empty CSV cell means
    /// the column was not given; a row without To, From or Subject is an error that names the row.
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
        private bool _verboseShown;
        private SmtpSendOptions? _lastOptions;
        private readonly SmtpSendBatch _batch = new SmtpSendBatch();
        private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);
        private System.Diagnostics.Stopwatch? _progressShown;
        private int _messages;
        private int _sent;
        private int _failed;
        private HashSet<string> _commandLine = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private int _inputs;
        private readonly List<string> _pipedAttachments = new List<string>();
        private int _pipedFiles;
        private bool _rowInput;

        /// <summary>Recipients: addresses, or strings of comma-separated addresses ("Name &lt;user@example.com&gt;" allowed).</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [NotGivenWhenEmpty(IsList = true)]
        public string[] To { get; set; } = Array.Empty<string>();

        /// <summary>The subject.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("sub")]
        [AllowNull]
        [AllowEmptyString]
        [NotGivenWhenEmpty]
        public string? Subject { get; set; }

        /// <summary>The body: plain text, or HTML with -BodyAsHtml. With -HtmlBody, the text version of a multipart/alternative message.</summary>
        [Parameter(Position = 2, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyString]
        [NotGivenWhenEmpty]
        public string? Body { get; set; }

        /// <summary>The SMTP server; $PSEmailServer when omitted. Binds ComputerName from Test-SmtpPort output.</summary>
        [Parameter(Position = 3, ValueFromPipelineByPropertyName = true)]
        [Alias("ComputerName")]
        [AllowNull]
        [NotGivenWhenEmpty]
        public string? SmtpServer { get; set; }

        /// <summary>The sender address.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [NotGivenWhenEmpty]
        public string? From { get; set; } = string.Empty;

        /// <summary>Carbon-copy recipients.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [NotGivenWhenEmpty(IsList = true)]
        public string[] Cc { get; set; } = Array.Empty<string>();

        /// <summary>Blind carbon-copy recipients: in the envelope only, never in a header.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [NotGivenWhenEmpty(IsList = true)]
        public string[] Bcc { get; set; } = Array.Empty<string>();

        /// <summary>Reply-To addresses.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [NotGivenWhenEmpty(IsList = true)]
        public string[] ReplyTo { get; set; } = Array.Empty<string>();

        /// <summary>-Body is HTML.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("BAH")]
        [NotGivenWhenEmpty(false)]
        public SwitchParameter BodyAsHtml { get; set; }

        /// <summary>An HTML body. With a text -Body, both are sent as multipart/alternative.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [NotGivenWhenEmpty]
        public string? HtmlBody { get; set; }

        /// <summary>Files to attach (streamed from disk, never read whole into memory). Takes paths and files from the pipeline by value, as Send-MailMessage does: all piped files go into one message.</summary>
        [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PsPath")]
        [AllowNull]
        [AttachmentPathsTransformation]
        public string[] Attachments { get; set; } = Array.Empty<string>();

        /// <summary>Inline parts for the HTML body: @{ logo = './logo.png' }, referenced as &lt;img src="cid:logo"&gt;.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("InlineImage")]
        [AllowNull]
        [NotGivenWhenEmpty]
        public IDictionary? InlineAttachment { get; set; }

        /// <summary>Extra header fields: @{ 'X-Ticket' = '4711' }. Names and values are checked so nothing can inject a header line.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [NotGivenWhenEmpty]
        public IDictionary? Headers { get; set; }

        /// <summary>Normal, Low or High.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [NotGivenWhenEmpty(MailPriority.Normal)]
        public MailPriority Priority { get; set; } = MailPriority.Normal;

        /// <summary>Delivery status notifications to request (RFC 3461): None, OnSuccess, OnFailure, Delay, Never.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [Alias("DNO")]
        [NotGivenWhenEmpty(DeliveryNotificationOptions.None)]
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
        [NotGivenWhenEmpty(25)]
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
            _commandLine = new HashSet<string>(MyInvocation.BoundParameters.Keys, StringComparer.OrdinalIgnoreCase);
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
            _verboseShown = StreamShown("Verbose", "VerbosePreference");
            _transcriptToDebug = StreamShown("Debug", "DebugPreference");
            _tokenSource = AccessToken == null ? null : new Authentication.SmtpTokenSource(AccessToken) { Activity = _verboseShown ? line => _pump!.PostOrRun(() => WriteVerbose(line)) : (Action<string>?)null };
            _protocolLogPath = ProtocolLog == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(ProtocolLog);
        }

        /// <inheritdoc />
        protected override void ProcessRecord()
        {
            _rowInput = false;
            if (MyInvocation.ExpectingInput)
            {
                _inputs++;
                if (OnlyAttachmentsCameFromPipeline())
                {
                    if ((Attachments ?? Array.Empty<string>()).Length == 0)
                    {
                        // $null, '' or an object with no property of a message: nothing to send, nothing to attach.
                        _failed++;
                        var message = $"Input row {_inputs.ToString(CultureInfo.InvariantCulture)} binds to no parameter: pipe objects with To, Subject, Body... properties (Import-Csv rows), or files and paths to attach.";
                        WriteError(new ErrorRecord(new ArgumentException(message), "InputObjectNotBound", ErrorCategory.InvalidArgument, null) { ErrorDetails = new ErrorDetails(message) });
                        return;
                    }

                    // Get-ChildItem ./report*.csv | Send-SecureMail ...: one message with every file, as Send-MailMessage.
                    _pipedAttachments.AddRange(Attachments ?? Array.Empty<string>());
                    _pipedFiles++;
                    return;
                }

                _rowInput = true;
            }

            SendMessage(Attachments ?? Array.Empty<string>(), requireSubject: _rowInput);
        }

        /// <inheritdoc />
        protected override void EndProcessing()
        {
            try
            {
                if (_pipedFiles > 0)
                {
                    _rowInput = false;
                    SendMessage(_pipedAttachments.ToArray(), requireSubject: false);
                }

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

        // The parameters bound for this record beyond those of the command line: pipeline-bound ones are unbound
        // again after each record, so what remains beyond the command line came from this input object.
        private bool OnlyAttachmentsCameFromPipeline() =>
            MyInvocation.BoundParameters.Keys.Where(name => !_commandLine.Contains(name)).All(name => name.Equals(nameof(Attachments), StringComparison.OrdinalIgnoreCase));

        // "Input row 3 (To bob@example.com)": how an error of a batch names the row it belongs to. Only errors need
        // it, so it is built when one is written, from the row's parameters still bound.
        private string? InputLabel => _rowInput ? DescribeInput() : null;

        private string DescribeInput()
        {
            var to = (To ?? Array.Empty<string>()).Where(t => !string.IsNullOrWhiteSpace(t)).ToArray();
            var field = to.Length > 0 ? $"To {string.Join(", ", to.Take(3))}{(to.Length > 3 ? ", ..." : string.Empty)}"
                : !string.IsNullOrEmpty(Subject) ? $"Subject '{Subject}'"
                : !string.IsNullOrEmpty(From) ? $"From {From}"
                : null;
            return $"Input row {_inputs.ToString(CultureInfo.InvariantCulture)}" + (field == null ? string.Empty : $" ({field})");
        }

        // A field no parameter and no column gave: an error that says which row and what to add.
        private SmtpMessageException? MissingField(bool requireSubject)
        {
            string? missing = null;
            string? advice = null;
            if ((To ?? Array.Empty<string>()).All(string.IsNullOrWhiteSpace))
            {
                missing = "To";
                advice = "the recipients";
            }
            else if (string.IsNullOrWhiteSpace(From))
            {
                missing = "From";
                advice = "the sender address";
            }
            else if (requireSubject && string.IsNullOrEmpty(Subject) && !_commandLine.Contains(nameof(Subject)))
            {
                missing = "Subject";
                advice = "the subject; -Subject '' sends an empty subject on purpose";
            }

            if (missing == null)
            {
                return null;
            }

            var label = InputLabel;
            var message = label == null
                ? $"Send-SecureMail needs -{missing} ({advice})."
                : $"{label} has no {missing}: add a {missing} column (or property) to the input, or give -{missing} ({advice}). An empty cell counts as not given.";
            return new SmtpMessageException(SmtpMessageProblem.MissingField, message, missing);
        }

        private void SendMessage(string[] attachments, bool requireSubject)
        {
            _messages++;
            var outgoing = BuildOutgoingMessage(attachments, out var pathError);
            pathError = MissingField(requireSubject) ?? pathError;
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

                SmtpSendResult? result = null;
                try
                {
                    if (!_verboseShown && !_transcriptToDebug)
                    {
                        // Nobody reads the verbose or debug lines: nothing to pump, so no thread hand-off per message.
                        result = _batch.Send(request, CancellationToken);
                    }
                    else
                    {
                        // The send runs beside the pipeline thread, which writes its verbose and debug lines as they
                        // happen and in order (the engine's lines from every thread go through the pump). A -Debug
                        // "Continue?" prompt holds only the pipeline thread: the attempt goes on and cannot time out.
                        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken))
                        {
                            var send = System.Threading.Tasks.Task.Run(() => result = _batch.Send(request, stop.Token));
                            _pump!.RunUntil(send, stop);
                        }
                    }
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

                Report(result!);
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

        // Only -SmtpServer, -Port and -Security may change from one input row to the next; the rest of the options come
        // from the command line. Rows that name the same endpoint (most batches: every row) share the options of the
        // first instead of building them again. Not with a token whose account is not named: each row's sender is its account.
        private SmtpSendOptions BuildSendOptions()
        {
            var server = SmtpServer;
            if (string.IsNullOrWhiteSpace(server))
            {
                server = SessionState.PSVariable.GetValue("PSEmailServer")?.ToString();
            }

            server = server?.Trim() ?? string.Empty;
            var reused = _lastOptions;
            if (reused != null && reused.Port == Port && reused.Security == Security && string.Equals(reused.SmtpServer, server, StringComparison.Ordinal))
            {
                return reused;
            }

            var options = NewSendOptions(server);
            _lastOptions = AccessToken == null || options.AccessTokenUser != null ? options : null;
            return options;
        }

        private SmtpSendOptions NewSendOptions(string server)
        {
            return new SmtpSendOptions
            {
                SmtpServer = server,
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
                Activity = _verboseShown ? line => _pump!.PostOrRun(() => WriteVerbose(line)) : (Action<string>?)null,
            };
        }

        private OutgoingMessage BuildOutgoingMessage(string[] attachments, out SmtpMessageException? pathError)
        {
            pathError = null;
            var message = new OutgoingMessage
            {
                From = From ?? string.Empty,
                To = (To ?? Array.Empty<string>()).ToList(),
                Cc = (Cc ?? Array.Empty<string>()).ToList(),
                Bcc = (Bcc ?? Array.Empty<string>()).ToList(),
                ReplyTo = (ReplyTo ?? Array.Empty<string>()).ToList(),
                Subject = Subject,
                Body = Body,
                BodyAsHtml = BodyAsHtml,
                HtmlBody = HtmlBody,
                Priority = Priority,
                DeliveryNotification = DeliveryNotificationOption,
                Encoding = Encoding,
            };

            if (Headers != null)
            {
                foreach (DictionaryEntry header in Headers)
                {
                    message.Headers[header.Key?.ToString() ?? string.Empty] = header.Value?.ToString() ?? string.Empty;
                }
            }

            try
            {
                foreach (var path in attachments)
                {
                    message.Attachments.Add(ResolvePath(path));
                }

                if (InlineAttachment != null)
                {
                    foreach (DictionaryEntry inline in InlineAttachment)
                    {
                        message.InlineAttachments[inline.Key?.ToString() ?? string.Empty] = ResolvePath(inline.Value?.ToString() ?? string.Empty);
                    }
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
                case SmtpConnectionException connection when connection.Kind == SmtpFailureKind.ConnectionRefused && SubmissionPortAdvice.WhenRefused(result.SmtpServer, result.Port) is string advice:
                    result.ErrorMessage = $"{connection.Message} {advice}";
                    return SmtpErrors.FromFailure(connection.Kind, result.ErrorMessage, recipients, new SmtpConnectionException(connection.Kind, result.ErrorMessage, connection));
                case SmtpConnectionException connection when connection.Kind == result.FailureKind:
                    return SmtpErrors.FromException(connection, recipients);
                case ArgumentException noServer:
                    return SmtpErrors.InvalidArgument("SmtpTools.NoSmtpServer", noServer.Message, result.SmtpServer);
                case var other:
                    return SmtpErrors.FromFailure(result.FailureKind, result.ErrorMessage ?? result.FailureKind.ToString(), recipients, other);
            }
        }

        // An error of a batch says which input row it belongs to ("Input row 3 (To bob@example.com): ...").
        private void WriteInputError(ErrorRecord record)
        {
            var text = record.ErrorDetails?.Message ?? record.Exception.Message;
            var label = InputLabel;
            if (label != null && !text.StartsWith(label, StringComparison.Ordinal))
            {
                record.ErrorDetails = new ErrorDetails(TerminalText.Escape(label) + ": " + text);
            }

            WriteError(record);
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
                WriteInputError(SmtpErrors.FromFailure(SmtpFailureKind.RecipientRejected, message, rejected.Address, new SmtpConnectionException(SmtpFailureKind.RecipientRejected, message, null, rejected.ReplyCode)));
            }

            if (result.FailureKind != SmtpFailureKind.None && result.FailureKind != SmtpFailureKind.RecipientRejected)
            {
                WriteInputError(ErrorFor(result));
            }

            if (PassThru)
            {
                WriteObject(result);
            }
        }
    }
}
