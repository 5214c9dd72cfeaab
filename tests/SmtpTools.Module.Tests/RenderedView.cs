using System;
using System.Collections.Concurrent;
using System.Threading;

namespace SmtpTools.Module.Tests
{
    /// <summary>
    /// What a user's console shows, as one string, for tests that match on text: the lines <see cref="ViewRenderer"/>
    /// renders, from one renderer per screen width shared by the whole test run (a runspace costs about a second; the
    /// renderers live until the test process ends).
    /// </summary>
    public static class RenderedView
    {
        private static readonly ConcurrentDictionary<int, Lazy<ViewRenderer>> Renderers = new ConcurrentDictionary<int, Lazy<ViewRenderer>>();

        /// <summary>The rendered text of <paramref name="script"/>'s output; <paramref name="args"/> arrive as $args.</summary>
        public static string Render(string script, int width, params object?[] args)
        {
            var renderer = Renderers.GetOrAdd(width, w => new Lazy<ViewRenderer>(() => new ViewRenderer(w), LazyThreadSafetyMode.ExecutionAndPublication)).Value;
            return string.Join("\n", renderer.Render(script, args).Lines);
        }
    }
}
