using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools.Tls
{
    /// <summary>
    /// One X509Certificate2 per distinct certificate while any result still holds it: a sweep of thousands of endpoints
    /// of one provider (or one server behind many names) sees the same few certificates thousands of times, and each
    /// copy costs a native handle and several kilobytes outside the GC's view. Held weakly, so an unused certificate
    /// goes as before; one a caller disposed is never handed out again.
    /// </summary>
    internal static class SharedCertificates
    {
        private const int FirstPurge = 256;
        private static readonly Dictionary<string, WeakReference<X509Certificate2>> ByHash = new Dictionary<string, WeakReference<X509Certificate2>>(StringComparer.Ordinal);
        private static int _purgeAt = FirstPurge;

        /// <summary>The certificate with these DER bytes: the one already handed out when it is still alive, else a new one.</summary>
        public static X509Certificate2 Get(byte[] rawData)
        {
            string key;
            using (var sha = SHA256.Create())
            {
                key = Convert.ToBase64String(sha.ComputeHash(rawData));
            }

            lock (ByHash)
            {
                if (ByHash.TryGetValue(key, out var weak) && weak.TryGetTarget(out var shared) && shared.Handle != IntPtr.Zero)
                {
                    return shared;
                }

                var certificate = new X509Certificate2(rawData);
                ByHash[key] = new WeakReference<X509Certificate2>(certificate);
                if (ByHash.Count >= _purgeAt)
                {
                    foreach (var dead in ByHash.Where(p => !p.Value.TryGetTarget(out _)).Select(p => p.Key).ToList())
                    {
                        ByHash.Remove(dead);
                    }

                    _purgeAt = Math.Max(FirstPurge, ByHash.Count * 2);
                }

                return certificate;
            }
        }
    }
}
