using System;

namespace SmtpTools.Module.Tests
{
    /// <summary>One runspace with the module imported per test class, and the shared test server.</summary>
    public sealed class ModuleFixture : IDisposable
    {
        private readonly Lazy<ModuleSession> _session = new Lazy<ModuleSession>(() => new ModuleSession());
        private readonly Lazy<ViewRenderer> _views = new Lazy<ViewRenderer>(() => new ViewRenderer(120));

        public ModuleSession PowerShell => _session.Value;

        /// <summary>A second session that renders through the module's views on a 120-column screen.</summary>
        public ViewRenderer Views => _views.Value;

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
        }
    }
}
