using System.Collections.Generic;

namespace SmtpTools.Probing
{
    /// <summary>Where a sweep stands: how many endpoints are done, of how many, and which are still being waited for.</summary>
    public sealed class SweepProgress
    {
        internal SweepProgress(int completed, int total, IReadOnlyList<string> oldestPending, int pendingCount)
        {
            Completed = completed;
            Total = total;
            OldestPending = oldestPending;
            PendingCount = pendingCount;
        }

        /// <summary>Endpoints probed so far.</summary>
        public int Completed { get; }

        /// <summary>Endpoints added so far.</summary>
        public int Total { get; }

        /// <summary>The endpoints waited for longest ("host:port", at most <see cref="SmtpPortSweep.PendingShown"/>), oldest first.</summary>
        public IReadOnlyList<string> OldestPending { get; }

        /// <summary>How many endpoints are still pending in all.</summary>
        public int PendingCount { get; }

        /// <summary>"waiting for a:25, b:465 and 3 more"; empty when nothing is pending.</summary>
        public string DescribePending()
        {
            if (PendingCount == 0)
            {
                return string.Empty;
            }

            var more = PendingCount - OldestPending.Count;
            return "waiting for " + string.Join(", ", OldestPending) + (more > 0 ? $" and {more} more" : string.Empty);
        }
    }
}
