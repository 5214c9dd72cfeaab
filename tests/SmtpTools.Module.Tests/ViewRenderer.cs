using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// What a user's screen shows: runs PowerShell text in a session with the module imported and a host
    /// <see cref="Width"/> columns wide, sends the output through Out-Default, and returns the lines the views in
    /// SmtpTools.Format.ps1xml rendered, as plain text (no ANSI styling). Any PowerShell text works, so
    /// "Test-SmtpPort ... | Format-List" renders the list view and a bare command its default view.
    /// </summary>
    public sealed class ViewRenderer : IDisposable
    {
        private readonly StringWriter _screen = new StringWriter();
        private readonly ModuleSession _session;
        private readonly object _gate = new object();

        public ViewRenderer(int width = 120)
        {
            Width = width;
            _session = new ModuleSession(new ScreenHost(width, _screen));
        }

        /// <summary>Columns of the pretend screen.</summary>
        public int Width { get; }

        /// <summary>Renders the output of <paramref name="script"/>; <paramref name="args"/> arrive as $args.</summary>
        public RenderedOutput Render(string script, params object?[] args)
        {
            lock (_gate)
            {
                _screen.GetStringBuilder().Clear();

                // The script runs in its own block, so its output reaches Out-Default as one pipeline, like a command line.
                var run = _session.Run("& { " + script + " } @args | Out-Default", args);
                var lines = _screen.ToString().Replace("\r\n", "\n").Split('\n');
                return new RenderedOutput(lines, run);
            }
        }

        public void Dispose()
        {
            _session.Dispose();
            _screen.Dispose();
        }
    }

    /// <summary>The rendered screen lines and, for assertions on errors, the run that produced them.</summary>
    public sealed class RenderedOutput
    {
        public RenderedOutput(IReadOnlyList<string> lines, PowerShellRun run)
        {
            Lines = lines;
            Run = run;
        }

        /// <summary>Every line as the screen shows it, blank lines included.</summary>
        public IReadOnlyList<string> Lines { get; }

        /// <summary>The lines that carry text.</summary>
        public IEnumerable<string> TextLines => Lines.Where(l => l.Trim().Length > 0);

        public PowerShellRun Run { get; }

        /// <summary>The words of a table's header line: the first line followed by a line of dashes.</summary>
        public string[] TableHeader()
        {
            for (var i = 0; i + 1 < Lines.Count; i++)
            {
                if (Lines[i + 1].Trim().Length > 0 && Lines[i + 1].Trim().All(c => c == '-' || c == ' '))
                {
                    return Lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                }
            }

            throw new Xunit.Sdk.XunitException("No table header in:\n" + string.Join("\n", Lines));
        }

        /// <summary>A list view's "Name : value" lines as a dictionary (the first occurrence of each name).</summary>
        public IReadOnlyDictionary<string, string> ListEntries()
        {
            var entries = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in Lines)
            {
                var colon = line.IndexOf(" : ", StringComparison.Ordinal);
                if (colon > 0 && !line.StartsWith(" ", StringComparison.Ordinal))
                {
                    entries.TryAdd(line.Substring(0, colon).Trim(), line.Substring(colon + 3).Trim());
                }
            }

            return entries;
        }
    }
}
