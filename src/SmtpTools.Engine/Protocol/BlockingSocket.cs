using System;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// Takes a connected socket off the runtime's asynchronous socket engine, for a connection that from then on is
    /// only read and written synchronously (MailKit's send path).
    /// </summary>
    /// <remarks>
    /// Our connections are opened and brought to TLS asynchronously (every step bounded), and on Linux a socket that has
    /// seen one asynchronous operation stays registered with the runtime's epoll thread and non-blocking for good:
    /// every segment that arrives then wakes the epoll thread, which hands the event to a thread-pool worker, and a
    /// blocking read that finds no data waits for that hand-off. The workers spin before they sleep again, so a loop of
    /// synchronous sends (one read per reply) costs two to four times its own CPU in woken threads: measured on
    /// loopback, 1,100-1,600 us of processor time per message against 250-330 us on a socket that never left blocking
    /// mode. A duplicate of the descriptor, put back in blocking mode, is a fresh Socket the engine never saw; closing
    /// the original forgets it in the engine and leaves the connection (shared by both descriptors) open. Linux keeps
    /// the original's epoll registration while the connection lives, so each arriving segment still wakes the epoll
    /// thread, which finds no socket for it (40-80 us per message here); no worker is woken and no read waits for one.
    /// Windows (overlapped sockets block natively) and other systems keep the socket as it is.
    /// Closing: Socket.Dispose alone does not end a read blocked on such a socket (it waits for it); what closes these
    /// connections shuts them down first, which does: NetworkStream.Dispose (the stream MailKit and SmtpWireSession
    /// read through) and the watchdog (Shutdown, then Dispose). Keep it that way for any new closing path.
    /// </remarks>
    internal static class BlockingSocket
    {
        private const int GetStatusFlags = 3; // F_GETFL
        private const int SetStatusFlags = 4; // F_SETFL
        private const int NonBlockingFlag = 0x800; // O_NONBLOCK on Linux

        // Socket(SafeSocketHandle) exists from .NET Core 3.0; netstandard2.0 cannot name it.
        private static readonly Type? HandleType = typeof(Socket).Assembly.GetType("System.Net.Sockets.SafeSocketHandle");
        private static readonly ConstructorInfo? HandleConstructor = HandleType?.GetConstructor(new[] { typeof(IntPtr), typeof(bool) });
        private static readonly ConstructorInfo? SocketConstructor = HandleType == null ? null : typeof(Socket).GetConstructor(new[] { HandleType });

        private static bool _available = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && HandleConstructor != null && SocketConstructor != null;

        /// <summary>
        /// Moves the connection of <paramref name="socket"/> to a blocking socket of its own and closes
        /// <paramref name="socket"/> (no FIN: the connection stays open). Null, with <paramref name="socket"/> untouched,
        /// where that is not possible or not needed. Call it only while no operation is pending on the socket.
        /// </summary>
        public static Socket? TryDetach(Socket socket)
        {
            if (!_available)
            {
                return null;
            }

            int duplicate;
            try
            {
                duplicate = Duplicate(socket.Handle.ToInt32());
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
            {
                _available = false;
                return null;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }

            if (duplicate < 0)
            {
                return null;
            }

            // The status flags belong to the connection both descriptors share: the original turns blocking too, which is
            // harmless now (nothing is pending on it and it is closed next) but must be undone if the hand-off fails.
            var flags = Control(duplicate, GetStatusFlags, 0);
            if (flags < 0 || Control(duplicate, SetStatusFlags, flags & ~NonBlockingFlag) < 0)
            {
                Close(duplicate);
                return null;
            }

            Socket blocking;
            try
            {
                var handle = HandleConstructor!.Invoke(new object[] { new IntPtr(duplicate), true });
                blocking = (Socket)SocketConstructor!.Invoke(new[] { handle });
            }
            catch (TargetInvocationException)
            {
                Control(duplicate, SetStatusFlags, flags);
                Close(duplicate);
                return null;
            }

            blocking.NoDelay = socket.NoDelay;
            blocking.ReceiveTimeout = socket.ReceiveTimeout;
            blocking.SendTimeout = socket.SendTimeout;
            socket.Dispose();

            // Had the runtime aborted something still pending on the original, it would have closed it abortively
            // (SO_LINGER 0, which the connection keeps): the final close then ends it with FIN, not RST.
            blocking.LingerState = new LingerOption(false, 0);
            return blocking;
        }

        [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
        private static extern int Duplicate(int descriptor);

        [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
        private static extern int Control(int descriptor, int command, int argument);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        private static extern int Close(int descriptor);
    }
}
