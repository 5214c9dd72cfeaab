using System;
using System.Collections;
using System.Linq;
using System.Management.Automation.Language;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// A .psd1 read as data, the way Import-PowerShellDataFile reads it (that cmdlet is not in the engine): parsed, never
    /// run, its one hashtable turned into values.
    /// </summary>
    public sealed class ModuleManifestData
    {
        private readonly Hashtable _data;

        private ModuleManifestData(Hashtable data) => _data = data;

        public static ModuleManifestData Read(string path)
        {
            var ast = Parser.ParseFile(path, out _, out var errors);
            if (errors.Length > 0)
            {
                throw new InvalidOperationException($"{path}: {errors[0].Message}");
            }

            var table = ast.Find(a => a is HashtableAst, searchNestedScriptBlocks: false) as HashtableAst
                ?? throw new InvalidOperationException($"{path} holds no hashtable.");
            return new ModuleManifestData((Hashtable)table.SafeGetValue());
        }

        /// <summary>A top-level or dotted key ("PrivateData.PSData.Tags"); null when absent.</summary>
        public object? this[string path]
        {
            get
            {
                object? current = _data;
                foreach (var key in path.Split('.'))
                {
                    current = current is Hashtable table && table.ContainsKey(key) ? table[key] : null;
                }

                return current;
            }
        }

        /// <summary>A key's value as text.</summary>
        public string? Text(string path) => this[path]?.ToString();

        /// <summary>A key's value as a list of text: an array's items, or a single value.</summary>
        public string[] Texts(string path) => this[path] switch
        {
            null => Array.Empty<string>(),
            string one => new[] { one },
            IEnumerable many => many.Cast<object?>().Select(o => o?.ToString() ?? string.Empty).ToArray(),
            var one => new[] { one.ToString() ?? string.Empty },
        };
    }
}
