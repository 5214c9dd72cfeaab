using System;
using System.Collections.Generic;

namespace SmtpTools.Probing
{
    /// <summary>
    /// Lets items that finish in any order out in the order their places were reserved: an item is released as soon
    /// as every earlier place is filled. Not thread-safe: callers hold their own lock.
    /// </summary>
    internal sealed class OrderedRelease<T>
    {
        private readonly Dictionary<int, T> _waiting = new Dictionary<int, T>();
        private int _reserved;
        private int _next;

        /// <summary>Reserves the next place in line.</summary>
        public int Reserve() => _reserved++;

        /// <summary>Fills a reserved place and returns the items now free to go, in order (often none).</summary>
        /// <exception cref="ArgumentOutOfRangeException">The place was never reserved, or already filled.</exception>
        public IReadOnlyList<T> Fill(int place, T item)
        {
            if (place < _next || place >= _reserved || _waiting.ContainsKey(place))
            {
                throw new ArgumentOutOfRangeException(nameof(place), place, "Not a reserved, unfilled place.");
            }

            _waiting[place] = item;
            var released = new List<T>();
            while (_waiting.TryGetValue(_next, out var ready))
            {
                _waiting.Remove(_next);
                released.Add(ready);
                _next++;
            }

            return released;
        }
    }
}
