using System;

namespace SmtpTools.Module.Tests
{
    /// <summary>One runspace with the module imported per test class, and the shared test server.</summary>
    public sealed class ModuleFixture : IDisposable
    {
        private readonly Lazy<ModuleSession> _session = new Lazy<ModuleSession>(() => new ModuleSession());
        private readonly Lazy<ViewRenderer> _views = new Lazy<ViewRenderer>(() => new ViewRenderer(120));
        private readonly Lazy<ViewRenderer> _narrowViews = new Lazy<ViewRenderer>(() => new ViewRenderer(80));

        public ModuleSession PowerShell => _session.Value;

        /// <summary>A second session that renders through the module's views on a 120-column screen.</summary>
        public ViewRenderer Views => _views.Value;

        /// <summary>The same on an 80-column screen, still the default of many consoles and of Out-File.</summary>
        public ViewRenderer NarrowViews => _narrowViews.Value;

        /// <summary>The renderer for a screen <paramref name="width"/> columns wide: 80 or 120.</summary>
        public ViewRenderer ViewsAt(int width) => width == 80 ? NarrowViews : width == 120 ? Views : throw new ArgumentOutOfRangeException(nameof(width), width, "80 or 120");

        public TestServer Server => TestServer.Instance;

        public void Dispose()
        {
            if (_session.IsValueCreated)
            {
                _session.Value.Dispose();
            }

            if (_views.IsValueCreated)
            {
                _views.Value.Dispose();
            }

            if (_narrowViews.IsValueCreated)
            {
                _narrowViews.Value.Dispose();
            }
        }
    }
}
