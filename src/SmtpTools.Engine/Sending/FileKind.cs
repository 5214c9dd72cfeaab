using System;
using System.Runtime.InteropServices;
using System.Text;

namespace SmtpTools.Sending
{
    /// <summary>
    /// Whether a path names a regular file, asked before it is opened: opening a FIFO without a writer blocks for
    /// ever, and a device such as /dev/zero never ends. .NET reports both as "Normal" files, so on Unix this asks
    /// stat(2) through the runtime's own native shim (libSystem.Native, present wherever .NET runs on Unix).
    /// </summary>
    internal static class FileKind
    {
        private const int FileTypeMask = 0xF000; // S_IFMT
        private const int RegularFile = 0x8000; // S_IFREG

        /// <summary>True for a regular file (symbolic links followed), false for anything else; null when it cannot be told (Windows, .NET Framework).</summary>
        public static bool? IsRegularFile(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return null;
            }

            try
            {
                // SystemNative_Stat fills the runtime's FileStatus: int Flags, then int Mode (the st_mode bits) at offset 4,
                // the same in every .NET version; the buffer is larger than any version's struct.
                var status = new byte[512];
                var utf8 = Encoding.UTF8.GetBytes(path + "\0");
                return Stat(utf8, status) != 0 ? (bool?)null : (BitConverter.ToInt32(status, 4) & FileTypeMask) == RegularFile;
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
            {
                return null;
            }
        }

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
        private static extern int Stat(byte[] path, byte[] status);
    }
}
