using System;

namespace SmtpTools.Tests.Reliability
{
    /// <summary>
    /// One scenario of the reliability suite and what it observed: secrets found where none may be, messages without an
    /// outcome, messages delivered twice, bad inputs and how many were refused before any network I/O, fuzz cases run.
    /// Counts are measured, not assumed: a test records what it saw, then asserts on it. Disposing records the scenario;
    /// it counts as survived only if the test reached <see cref="Survived"/>.
    /// </summary>
    public sealed class ReliabilityScenario : IDisposable
    {
        private bool _recorded;

        internal ReliabilityScenario(string name) => Name = name;

        /// <summary>What was tried.</summary>
        public string Name { get; }

        internal bool HasSurvived { get; private set; }

        internal int LeakCount { get; private set; }

        internal int LostCount { get; private set; }

        internal int DuplicateCount { get; private set; }

        internal int BadInputCount { get; private set; }

        internal int RejectedBeforeIoCount { get; private set; }

        internal int FuzzCaseCount { get; private set; }

        internal int[] HostileTried { get; } = new int[4];

        internal int[] HostileHeld { get; } = new int[4];

        /// <summary>Secrets found in output, logs or on a wire where they must not be.</summary>
        public int Leaked(int hits) => LeakCount += hits;

        /// <summary>Input messages that got no outcome, or were reported sent but never reached the server.</summary>
        public int Lost(int messages) => LostCount += messages;

        /// <summary>Messages the server received more than once without the user asking for it.</summary>
        public int Duplicated(int messages) => DuplicateCount += messages;

        /// <summary>One bad input tried, and whether it was refused before any network I/O.</summary>
        public void BadInput(bool rejectedBeforeIo)
        {
            BadInputCount++;
            RejectedBeforeIoCount += rejectedBeforeIo ? 1 : 0;
        }

        /// <summary>Fuzz cases run.</summary>
        public void FuzzCases(int cases) => FuzzCaseCount += cases;

        /// <summary>One hostile case of <paramref name="kind"/> tried, and whether the defence held (measured before asserting).</summary>
        public bool Hostile(HostileCase kind, bool held)
        {
            HostileTried[(int)kind]++;
            HostileHeld[(int)kind] += held ? 1 : 0;
            return held;
        }

        /// <summary>Every assertion of the scenario held.</summary>
        public void Survived() => HasSurvived = true;

        /// <summary>Records the scenario in the tally.</summary>
        public void Dispose()
        {
            if (_recorded)
            {
                return;
            }

            _recorded = true;
            ReliabilityTally.Record(this);
        }
    }
}
