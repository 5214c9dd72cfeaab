using System;
using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.IO;
using System.Linq;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Diagnostic for the sweep child (SMTPTOOLS_BENCH_JIT_LOG=FILE): every method the runtime compiles while it
    /// listens, with the tier it compiled it for (the runtime's JIT events), counted by method and summed by tier.
    /// </summary>
    internal sealed class JitLog : EventListener
    {
        // The runtime's optimization tiers, as its MethodLoadVerbose events give them (MethodFlags bits 7-9).
        private static readonly string[] Tiers = { "unknown", "MinOpts", "Optimized", "Tier0", "Tier1", "Tier1 OSR", "Tier0 instrumented", "Tier1 instrumented" };

        private readonly ConcurrentDictionary<string, int> _methods = new ConcurrentDictionary<string, int>();
        private volatile bool _listening = true;

        /// <summary>Stops listening and writes the tier totals, then one line per method and tier, to <paramref name="path"/>.</summary>
        public void Write(string path)
        {
            _listening = false;
            var byTier = _methods.GroupBy(m => m.Key.Substring(m.Key.LastIndexOf('\t') + 1)).Select(g => $"{g.Sum(m => m.Value)}\t{g.Key}\t(total)");
            File.WriteAllLines(path, byTier.Concat(_methods.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $"{m.Value}\t{m.Key}")));
        }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10); // JIT
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (!_listening || e.EventName == null || !e.EventName.StartsWith("MethodLoadVerbose", StringComparison.Ordinal) || e.Payload == null || e.PayloadNames == null)
            {
                return;
            }

            var names = e.PayloadNames;
            var flags = Convert.ToInt64(e.Payload[names.IndexOf("MethodFlags")], System.Globalization.CultureInfo.InvariantCulture);
            var tier = Tiers[(int)((flags >> 7) & 0x7)];
            _methods.AddOrUpdate($"{e.Payload[names.IndexOf("MethodNamespace")]}::{e.Payload[names.IndexOf("MethodName")]}\t{tier}", 1, (_, c) => c + 1);
        }
    }
}
