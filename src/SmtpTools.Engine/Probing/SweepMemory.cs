using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace SmtpTools.Probing
{
    /// <summary>
    /// Keeps a long sweep's memory near what its results hold. Each probe leaves garbage behind (its TLS session,
    /// buffers, tasks: about 60 KB) and native memory freed by OpenSSL (about 100 KB while a handshake is open). The GC
    /// sizes its first generation by the processor's cache, and a server's is large (a 260 MB L3 on the benchmark's
    /// Xeon), so without help a 5,000-endpoint sweep grew by about 150 MB before collections caught up, and glibc kept
    /// most of the native memory that OpenSSL freed in per-thread arenas (measured, bench/README.md). So once the
    /// managed heap has grown by <see cref="GrowthAllowed"/> since the last look, the probe that finishes runs one full
    /// collection and, on Linux with glibc, malloc_trim, which hands freed native pages back. One at a time, outside any
    /// lock; a sweep of a few endpoints never grows that much and never collects. Each collection pauses the process for
    /// tens of milliseconds once thousands of results are held (measured: 20 collections, 880 ms in all, in a 20 s
    /// sweep of 5,000 endpoints).
    /// </summary>
    internal sealed class SweepMemory
    {
        /// <summary>How much the managed heap may grow (live data and garbage) before a collection: 16 MB.</summary>
        internal const long GrowthAllowed = 16L * 1024 * 1024;

        /// <summary>
        /// A sweep collects only once this many of its probes have ended: about what leaves 16 MB of garbage (some 60 KB
        /// each). The heap is the whole process's, so a sweep of a few endpoints in a busy process (a host running other
        /// pipelines, a test run) would otherwise pay for everyone else's garbage with full collections of a large heap.
        /// </summary>
        internal const int ProbesBeforeCollecting = 256;

        private static int _trimAvailable = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? 1 : 0;

        private long _collectAbove = GC.GetTotalMemory(false) + GrowthAllowed;
        private int _collectionsSeen = GC.CollectionCount(0);
        private int _collecting;
        private int _checks;

        /// <summary>How many times <see cref="ProbeFinished"/> was called (tests).</summary>
        internal int Checks => Volatile.Read(ref _checks);

        /// <summary>Called as each probe ends, on its worker thread, outside the sweep's lock.</summary>
        public void ProbeFinished()
        {
            if (Interlocked.Increment(ref _checks) < ProbesBeforeCollecting || Interlocked.Exchange(ref _collecting, 1) == 1)
            {
                return;
            }

            try
            {
                var heap = GC.GetTotalMemory(false);
                var collections = GC.CollectionCount(0); // every collection counts here, whatever its generation
                if (collections != _collectionsSeen)
                {
                    // The GC collected on its own (or someone else did): the heap is measured from what it kept, so
                    // garbage that was there when the sweep began does not count as room.
                    _collectionsSeen = collections;
                    _collectAbove = Math.Min(_collectAbove, heap + GrowthAllowed);
                }

                if (heap < _collectAbove)
                {
                    return;
                }

                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
                TrimNativeHeap();
                _collectAbove = GC.GetTotalMemory(false) + GrowthAllowed;
                _collectionsSeen = GC.CollectionCount(0);
            }
            finally
            {
                Volatile.Write(ref _collecting, 0);
            }
        }

        // glibc keeps freed memory in its arenas; malloc_trim returns the free pages to the system. Elsewhere (musl,
        // macOS, Windows) there is no such call under that name, and this stops trying.
        private static void TrimNativeHeap()
        {
            if (Volatile.Read(ref _trimAvailable) == 0)
            {
                return;
            }

            try
            {
                _ = MallocTrim(UIntPtr.Zero);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is BadImageFormatException)
            {
                Volatile.Write(ref _trimAvailable, 0);
            }
        }

        [DllImport("libc", EntryPoint = "malloc_trim")]
        private static extern int MallocTrim(UIntPtr pad);
    }
}
