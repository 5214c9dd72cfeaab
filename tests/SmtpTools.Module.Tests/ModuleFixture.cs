using System;

namespace SmtpTools.Module.Tests
{
    /// <summary>One runspace with the module imported per test class, and the shared test server.</summary>
    public sealed class ModuleFixture : IDisposable
    {
        private readonly Lazy<ModuleSession> _session = new Lazy<ModuleSession>(() => new ModuleSession());

        public ModuleSession PowerShell => _session.Value;

        public TestServer Server => TestServer.Instance;

        public void Dispose()
        {
            if (_session.IsValueCreated)
            {
                _session.Value.Dispose();
            }
        }
    }
}
