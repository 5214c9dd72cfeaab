using System.Net;
using System.Net.Sockets;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>A loopback port that was free a moment ago: nothing listens there, so a connection is refused at once.</summary>
    public static class ClosedLoopbackPort
    {
        public static int Find()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }
    }
}
