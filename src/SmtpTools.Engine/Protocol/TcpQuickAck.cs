using System;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// Asks Linux to acknowledge received data at once (TCP_QUICKACK) instead of after its delayed-ACK timer (40 ms).
    /// A server that writes one reply in two pieces without TCP_NODELAY (OpenSSL-based MTAs such as Postfix write a TLS
    /// flight over 4 KB in 4 KB pieces, and a TLS 1.3 session ticket apart from the greeting that follows it) holds the
    /// second piece back (Nagle) until the first is acknowledged: every such reply would cost the client 40 ms of
    /// nothing. Linux leaves quick-ACK mode again on its own, so this is asked before every read. Elsewhere it does
    /// nothing (Windows and macOS have no per-socket switch of this kind).
    /// </summary>
    internal static class TcpQuickAck
    {
        private const int IpProtoTcp = 6;
        private const int TcpQuickAckOption = 12;

        private static bool _available = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        /// <summary>Acknowledge what arrives next on <paramref name="socket"/> at once; harmless when unsupported or closed.</summary>
        public static void Request(Socket socket)
        {
            if (!_available)
            {
                return;
            }

            try
            {
                var on = 1;
                _ = SetSocketOption(socket.Handle, IpProtoTcp, TcpQuickAckOption, ref on, sizeof(int));
            }
            catch (ObjectDisposedException)
            {
                // Closed meanwhile: nothing left to acknowledge.
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
            {
                _available = false; // a libc without setsockopt under that name: stay with the kernel's default
            }
        }

        [DllImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
        private static extern int SetSocketOption(IntPtr socket, int level, int name, ref int value, int length);
    }
}
