using System;
using System.Management.Automation.Runspaces;

namespace SmtpTools.Host
{
    /// <summary>
    /// The session every runspace of the host program (and of the tests that render views) starts from: the
    /// Microsoft.PowerShell.Core commands that come with the engine, plus pwsh's Format-List and Format-Table so the
    /// module's list and table views can be asked for by name, as a user does.
    /// </summary>
    internal static class HostSessionState
    {
        public static InitialSessionState Create()
        {
            var state = InitialSessionState.CreateDefault2();
            if (OperatingSystem.IsWindows())
            {
                state.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
            }

            state.Commands.Add(new SessionStateCmdletEntry("Format-List", typeof(FormatListCommand), null));
            state.Commands.Add(new SessionStateCmdletEntry("Format-Table", typeof(FormatTableCommand), null));
            return state;
        }
    }
}
