using System;
using System.Collections.Concurrent;
using System.Linq;

namespace SmtpTools.Tls
{
    /// <summary>
    /// Remembers, for a minute, what judging a certificate chain cost a chain build to learn: a sweep of hundreds of
    /// ports behind one certificate otherwise builds the same path (and checks the same CRL) hundreds of times, and on
    /// Linux each build copies every system root into a fresh OpenSSL store. Only what does not depend on the clock
    /// or the host name is kept; dates and names are judged again every time.
    /// </summary>
    /// <typeparam name="T">What is remembered.</typeparam>
    internal sealed class VerdictCache<T>
        where T : class
    {
        /// <summary>How long a verdict is reused: far shorter than any CRL's or OCSP answer's own lifetime.</summary>
        internal static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

        private const int Capacity = 512;

        private readonly ConcurrentDictionary<string, Entry> _entries = new ConcurrentDictionary<string, Entry>(StringComparer.Ordinal);

        /// <summary>The verdict remembered under this key, if it is younger than <see cref="Lifetime"/>.</summary>
        public T? Find(string key)
        {
            if (_entries.TryGetValue(key, out var entry))
            {
                if (DateTime.UtcNow - entry.Stored < Lifetime)
                {
                    return entry.Value;
                }

                _entries.TryRemove(key, out _);
            }

            return null;
        }

        /// <summary>Remembers a verdict; when full, forgets the expired ones, or everything if none has expired.</summary>
        public void Remember(string key, T value)
        {
            if (_entries.Count >= Capacity)
            {
                var now = DateTime.UtcNow;
                foreach (var stale in _entries.Where(e => now - e.Value.Stored >= Lifetime).Select(e => e.Key).ToList())
                {
                    _entries.TryRemove(stale, out _);
                }

                if (_entries.Count >= Capacity)
                {
                    _entries.Clear();
                }
            }

            _entries[key] = new Entry(value, DateTime.UtcNow);
        }

        private sealed class Entry
        {
            public Entry(T value, DateTime stored)
            {
                Value = value;
                Stored = stored;
            }

            public T Value { get; }

            public DateTime Stored { get; }
        }
    }
}
