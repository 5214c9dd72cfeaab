using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Lets background work talk to the pipeline: WriteObject, WriteVerbose, WriteError and WriteProgress may only be
    /// called on the cmdlet's own thread, so workers post actions here and <see cref="Run"/> executes them there,
    /// as they arrive, until the work is done.
    /// </summary>
    internal sealed class PipelinePump : IDisposable
    {
        private readonly BlockingCollection<Action> _queue = new BlockingCollection<Action>();
        private readonly int _pipelineThread = System.Threading.Thread.CurrentThread.ManagedThreadId;

        /// <summary>Runs the action at once when called on the pipeline thread (the one that created the pump), else queues it.</summary>
        public void PostOrRun(Action action)
        {
            if (System.Threading.Thread.CurrentThread.ManagedThreadId == _pipelineThread)
            {
                action();
            }
            else
            {
                Post(action);
            }
        }

        /// <summary>Queues an action for the pipeline thread; ignored once the work has finished.</summary>
        public void Post(Action action)
        {
            try
            {
                _queue.TryAdd(action);
            }
            catch (InvalidOperationException)
            {
                // Completed: a late transcript line from a cancelled worker has nowhere to go.
            }
        }

        /// <summary>Runs the actions posted so far on the calling (pipeline) thread, without waiting for more: lets ProcessRecord stream results while input still arrives.</summary>
        public void RunPending()
        {
            while (_queue.TryTake(out var action))
            {
                action();
            }
        }

        /// <summary>Runs posted actions on the calling (pipeline) thread until <paramref name="work"/> completes, then rethrows its failure.</summary>
        public void Run(Task work)
        {
            work.ContinueWith(_ => _queue.CompleteAdding(), TaskScheduler.Default);
            foreach (var action in _queue.GetConsumingEnumerable())
            {
                action();
            }

            work.GetAwaiter().GetResult();
        }

        /// <summary>
        /// Runs posted actions on the calling (pipeline) thread, in the order they were posted, until
        /// <paramref name="work"/> completes, then rethrows its failure; the pump stays usable for the next piece of
        /// work (one per pipeline record). When an action fails (the user answered Halt to a -Debug prompt, the
        /// pipeline stopped), <paramref name="cancel"/> is cancelled and the work awaited before the failure goes on.
        /// </summary>
        public void RunUntil(Task work, CancellationTokenSource cancel)
        {
            Action finished = () => { };
            work.ContinueWith(_ => Post(finished), TaskScheduler.Default);
            try
            {
                while (true)
                {
                    var action = _queue.Take();
                    if (ReferenceEquals(action, finished))
                    {
                        break;
                    }

                    action();
                }
            }
            catch
            {
                cancel.Cancel();
                try
                {
                    work.Wait();
                }
                catch (AggregateException)
                {
                    // The action's failure is the one that counts.
                }

                throw;
            }

            work.GetAwaiter().GetResult();
        }

        public void Dispose() => _queue.Dispose();
    }
}
