using System;
using System.Collections.Generic;

namespace SmtpTools.Protocol
{
    /// <summary>
    /// The transcript of a speculative second connection: its lines are held back until it is kept (then they appear,
    /// in order, and later lines pass straight through) and dropped if it is not, so -Verbose reads as one conversation.
    /// </summary>
    internal sealed class HeldTranscript
    {
        private readonly Action<string> _target;
        private readonly object _gate = new object();
        private List<string>? _held = new List<string>();
        private bool _dropped;

        public HeldTranscript(Action<string> target)
        {
            _target = target;
        }

        public void Write(string line)
        {
            lock (_gate)
            {
                if (_dropped)
                {
                    return;
                }

                if (_held != null)
                {
                    _held.Add(line);
                    return;
                }
            }

            _target(line);
        }

        /// <summary>The connection is kept: what it said so far appears now.</summary>
        public void Release()
        {
            List<string>? held;
            lock (_gate)
            {
                held = _held;
                _held = null;
            }

            foreach (var line in held ?? new List<string>())
            {
                _target(line);
            }
        }

        /// <summary>The connection is abandoned: nothing it said appears.</summary>
        public void Drop()
        {
            lock (_gate)
            {
                _dropped = true;
                _held = null;
            }
        }
    }
}
