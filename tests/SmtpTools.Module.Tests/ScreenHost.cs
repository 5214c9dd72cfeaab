using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// The least a host needs so Out-Default renders tables and lists from SmtpTools.Format.ps1xml as pwsh would: a
    /// screen <c>width</c> columns wide whose lines go to a writer (view tests read what a user would see). ANSI styling
    /// (coloured table headers) is stripped, as pwsh strips it when the output is not a terminal.
    /// </summary>
    internal sealed class ScreenHost : PSHost
    {
        private readonly Guid _id = Guid.NewGuid();
        private readonly ConsoleUserInterface _ui;

        /// <param name="width">Columns of the pretend screen; tables are fitted to it.</param>
        /// <param name="screen">Where rendered output, errors, warnings, verbose and debug lines go.</param>
        public ScreenHost(int width, TextWriter screen) =>
            _ui = new ConsoleUserInterface(width, screen, screen, supportsVirtualTerminal: false);

        /// <param name="width">Columns of the pretend screen.</param>
        /// <param name="screen">Where everything written goes.</param>
        /// <param name="slowAnswer">A user slow to answer: the first choice prompt whose text contains this waits <paramref name="answerDelay"/> before answering the default (as someone reading a -Debug "Continue?" prompt).</param>
        /// <param name="answerDelay">How long that user takes.</param>
        public ScreenHost(int width, TextWriter screen, string slowAnswer, TimeSpan answerDelay) =>
            _ui = new ConsoleUserInterface(width, screen, screen, supportsVirtualTerminal: false) { SlowAnswer = slowAnswer, AnswerDelay = answerDelay };

        public int ExitCode { get; private set; }

        public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;

        public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

        public override Guid InstanceId => _id;

        public override string Name => "SmtpTools.Module.Tests";

        public override PSHostUserInterface UI => _ui;

        public override Version Version => typeof(ScreenHost).Assembly.GetName().Version ?? new Version(0, 1);

        public override void EnterNestedPrompt() => throw new NotSupportedException();

        public override void ExitNestedPrompt() => throw new NotSupportedException();

        public override void NotifyBeginApplication()
        {
        }

        public override void NotifyEndApplication()
        {
        }

        public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    }

    internal sealed class ConsoleUserInterface : PSHostUserInterface
    {
        private readonly ConsoleRawUserInterface _raw;
        private readonly TextWriter _output;
        private readonly TextWriter _errors;
        private readonly bool _supportsVirtualTerminal;

        public ConsoleUserInterface(int width, TextWriter output, TextWriter errors, bool supportsVirtualTerminal)
        {
            _raw = new ConsoleRawUserInterface(width);
            _output = output;
            _errors = errors;
            _supportsVirtualTerminal = supportsVirtualTerminal;
        }

        public override PSHostRawUserInterface RawUI => _raw;

        public override bool SupportsVirtualTerminal => _supportsVirtualTerminal;

        public override void Write(string value) => _output.Write(Rendered(value));

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => _output.Write(Rendered(value));

        public override void WriteLine(string value) => _output.WriteLine(Rendered(value));

        public override void WriteErrorLine(string value) => _errors.WriteLine(Rendered(value));

        public override void WriteDebugLine(string message)
        {
            _lastDebugLine = message;
            _errors.WriteLine("DEBUG: " + Rendered(message));
        }

        public override void WriteVerboseLine(string message) => _errors.WriteLine("VERBOSE: " + Rendered(message));

        public override void WriteWarningLine(string message) => _errors.WriteLine("WARNING: " + Rendered(message));

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override string ReadLine() => throw new NotSupportedException("The test screen does not read input; pass every mandatory parameter.");

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("This host cannot prompt for secrets; pass a PSCredential.");

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException("This host does not prompt; pass every mandatory parameter.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException("This host does not prompt; pass -Credential.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException("This host does not prompt; pass -Credential.");

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            // pwsh writes the debug line, then asks "Continue with this operation?".
            if (SlowAnswer != null && (_lastDebugLine ?? string.Empty).Contains(SlowAnswer, StringComparison.Ordinal))
            {
                SlowAnswer = null;
                SlowPrompts++;
                System.Threading.Thread.Sleep(AnswerDelay);
            }

            return defaultChoice;
        }

        private string? _lastDebugLine;

        /// <summary>The text of the debug line whose prompt the user is slow to answer (once), or null.</summary>
        public string? SlowAnswer { get; set; }

        public TimeSpan AnswerDelay { get; set; }

        /// <summary>How many prompts were answered slowly.</summary>
        public int SlowPrompts { get; private set; }

        private string Rendered(string value) => GetOutputString(value, _supportsVirtualTerminal);
    }

    internal sealed class ConsoleRawUserInterface : PSHostRawUserInterface
    {
        private readonly int _width;

        public ConsoleRawUserInterface(int width) => _width = width;

        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

        public override Size BufferSize { get => new Size(_width, 9999); set { } }

        public override Coordinates CursorPosition { get; set; }

        public override int CursorSize { get; set; }

        public override bool KeyAvailable => false;

        public override Size MaxPhysicalWindowSize => new Size(_width, 100);

        public override Size MaxWindowSize => new Size(_width, 100);

        public override Coordinates WindowPosition { get; set; }

        public override Size WindowSize { get => new Size(_width, 100); set { } }

        public override string WindowTitle { get; set; } = "SmtpTools";

        public override void FlushInputBuffer()
        {
        }

        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();

        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException();

        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) => throw new NotSupportedException();

        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException();

        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException();
    }
}
