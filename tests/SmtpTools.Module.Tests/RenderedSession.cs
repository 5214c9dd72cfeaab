using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;
using System.Text;
using System.Xml.Linq;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// A runspace with a host of a known width whose output is captured, so Out-Default renders the module's views as
    /// pwsh would; and the views themselves, read from SmtpTools.Format.ps1xml.
    /// </summary>
    public sealed class RenderedSession : IDisposable
    {
        private readonly CapturingHost _host;
        private readonly Runspace _runspace;

        public RenderedSession(int width)
        {
            _host = new CapturingHost(width);
            _runspace = RunspaceFactory.CreateRunspace(_host, InitialSessionState.CreateDefault2());
            _runspace.Open();
            using var setup = PowerShell.Create();
            setup.Runspace = _runspace;
            setup.AddScript("Import-Module -Name $args[0] -ErrorAction Stop; $PSStyle.OutputRendering = 'PlainText'").AddArgument(Repo.ModuleManifest).Invoke();
        }

        /// <summary>Runs the script, piped to Out-Default, and returns what the host printed.</summary>
        public string Render(string script, params object?[] args)
        {
            _host.Text.Clear();
            using var ps = PowerShell.Create();
            ps.Runspace = _runspace;
            ps.AddScript(script + " | Out-Default");
            foreach (var arg in args)
            {
                ps.AddArgument(arg);
            }

            ps.Invoke();
            // Colours, when the engine adds them regardless of OutputRendering, are not what a view is judged on.
            return System.Text.RegularExpressions.Regex.Replace(_host.Text.ToString(), "\u001b\\[[0-9;]*m", string.Empty).Replace("\r", string.Empty);
        }

        /// <summary>The control of the first view for a type: the one Out-Default uses.</summary>
        public static string DefaultViewControl(string typeName) =>
            Views(typeName).First().Elements().First(e => e.Name.LocalName.EndsWith("Control", StringComparison.Ordinal)).Name.LocalName;

        /// <summary>The columns of a type's table view: label, width, and the PowerShell expression of each cell.</summary>
        public static IReadOnlyList<(string Label, int Width, string Expression)> TableView(string typeName)
        {
            var table = Views(typeName).Select(v => v.Element("TableControl")).First(t => t != null)!;
            var headers = table.Element("TableHeaders")!.Elements("TableColumnHeader").ToArray();
            var items = table.Descendants("TableColumnItem").ToArray();
            return headers.Zip(items, (h, i) => (
                h.Element("Label")!.Value,
                int.Parse(h.Element("Width")!.Value, CultureInfo.InvariantCulture),
                i.Element("ScriptBlock")?.Value ?? "$_." + i.Element("PropertyName")!.Value)).ToArray();
        }

        public void Dispose() => _runspace.Dispose();

        private static IEnumerable<XElement> Views(string typeName) =>
            XDocument.Load(Path.Combine(Repo.Root, "SmtpTools.Format.ps1xml")).Descendants("View")
                .Where(v => v.Element("ViewSelectedBy")!.Elements("TypeName").Any(t => t.Value == typeName));

        private sealed class CapturingHost : PSHost
        {
            private readonly CapturingUserInterface _ui;

            public CapturingHost(int width) => _ui = new CapturingUserInterface(width);

            public StringBuilder Text => _ui.Text;

            public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

            public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

            public override Guid InstanceId { get; } = Guid.NewGuid();

            public override string Name => "SmtpTools.Tests";

            public override PSHostUserInterface UI => _ui;

            public override Version Version => new Version(1, 0);

            public override void EnterNestedPrompt() => throw new NotSupportedException();

            public override void ExitNestedPrompt() => throw new NotSupportedException();

            public override void NotifyBeginApplication()
            {
            }

            public override void NotifyEndApplication()
            {
            }

            public override void SetShouldExit(int exitCode)
            {
            }
        }

        private sealed class CapturingUserInterface : PSHostUserInterface
        {
            private readonly CapturingRawUserInterface _raw;

            public CapturingUserInterface(int width) => _raw = new CapturingRawUserInterface(width);

            public StringBuilder Text { get; } = new StringBuilder();

            public override PSHostRawUserInterface RawUI => _raw;

            public override void Write(string value) => Text.Append(value);

            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Text.Append(value);

            public override void WriteLine(string value) => Text.Append(value).Append('\n');

            public override void WriteErrorLine(string value) => Text.Append("ERROR: ").Append(value).Append('\n');

            public override void WriteDebugLine(string message)
            {
            }

            public override void WriteVerboseLine(string message)
            {
            }

            public override void WriteWarningLine(string message) => Text.Append("WARNING: ").Append(message).Append('\n');

            public override void WriteProgress(long sourceId, ProgressRecord record)
            {
            }

            public override string ReadLine() => string.Empty;

            public override SecureString ReadLineAsSecureString() => throw new NotSupportedException();

            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException();

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException();

            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException();

            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => defaultChoice;
        }

        private sealed class CapturingRawUserInterface : PSHostRawUserInterface
        {
            private readonly int _width;

            public CapturingRawUserInterface(int width) => _width = width;

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

            public override string WindowTitle { get; set; } = "SmtpTools.Tests";

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
}
