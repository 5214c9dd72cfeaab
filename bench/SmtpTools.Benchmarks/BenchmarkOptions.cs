using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SmtpTools.Benchmarks
{
    /// <summary>What the command line asked for: which figures, how long, where to write the results.</summary>
    internal sealed class BenchmarkOptions
    {
        /// <summary>The figures, by the names --only takes, in the order they run.</summary>
        public static readonly IReadOnlyList<string> FigureNames = new[] { "send", "sweep", "capability", "startup", "memory", "detect", "ciphers" };

        /// <summary>A shorter run (under about two minutes): fewer repetitions, smaller baselines, no full testssl scan.</summary>
        public bool Quick { get; private set; }

        /// <summary>The figures to run.</summary>
        public ISet<string> Only { get; private set; } = new HashSet<string>(FigureNames, StringComparer.OrdinalIgnoreCase);

        /// <summary>Also time one full testssl scan (150-200 s on an idle machine, several minutes on a busy one).</summary>
        public bool FullTestSsl { get; private set; }

        /// <summary>Run the BenchmarkDotNet micro-benchmarks instead of the figures; the rest of the arguments go to BenchmarkDotNet.</summary>
        public bool Micro { get; private set; }

        /// <summary>The arguments after --micro.</summary>
        public string[] MicroArguments { get; private set; } = Array.Empty<string>();

        /// <summary>The sweep figure's endpoint counts (--sweep-sizes 200,1000,5000); null for the default (200 and 1,000, and 5,000 without --quick).</summary>
        public int[]? SweepSizes { get; private set; }

        /// <summary>The sweep figure's -ThrottleLimit values (--sweep-throttles 128,512; 0 for the default); null for the default alone.</summary>
        public int[]? SweepThrottles { get; private set; }

        /// <summary>--sweep-sizes-only: the sweep figure times only its sizes (no all-silent, per-host or one-by-one rows), for measuring one change quickly.</summary>
        public bool SweepSizesOnly { get; private set; }

        /// <summary>--silent-port-row-only: the sweep figure times only the row of 250 hosts with port 2525 silent on all (the quiet-port rule), for diagnosing it.</summary>
        public bool SilentPortRowOnly { get; private set; }

        /// <summary>--user-forwarders: the sweep's forwarded endpoints relay through this process even where the kernel could forward them (the figures before 2026-12-02 evening).</summary>
        public bool UserForwarders { get; private set; }

        /// <summary>--silent-first: the sweep figure's silent endpoints come first in its input instead of every fourth (a diagnostic: what the sweep's schedule costs, not the figure).</summary>
        public bool SilentFirst { get; private set; }

        /// <summary>--silent-filtered: the sweep figure's silent endpoints drop every connection attempt (the kernel, nftables), as a firewall does, instead of accepting and never speaking (a diagnostic: the common kind of silence, not the figure).</summary>
        public bool SilentFiltered { get; private set; }

        /// <summary>--stand-in nginx: the sweep's answering endpoints are nginx's mail module (one event loop) instead of the test server's Postfix.</summary>
        public bool NginxStandIn { get; private set; }

        /// <summary>--all-at-once: a diagnostic sweep that lets every probe in at once (no starting limit).</summary>
        public bool AllAtOnce { get; private set; }

        /// <summary>The markdown file the results table is written to.</summary>
        public string ResultsFile { get; private set; } = Path.Combine(Repo.Root, "bench", "results", "latest.md");

        /// <summary>Repetitions for the cheap end-to-end figures.</summary>
        public int Repetitions => Quick ? 3 : 5;

        public bool Runs(string figure) => Only.Contains(figure);

        /// <summary>Parses the command line.</summary>
        /// <exception cref="ArgumentException">An unknown option or figure name.</exception>
        public static BenchmarkOptions Parse(IReadOnlyList<string> args)
        {
            var options = new BenchmarkOptions();
            for (var i = 0; i < args.Count; i++)
            {
                switch (args[i])
                {
                    case "--quick":
                        options.Quick = true;
                        break;
                    case "--full-testssl":
                        options.FullTestSsl = true;
                        break;
                    case "--only" when i + 1 < args.Count:
                        var names = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                        var unknown = names.Where(n => !FigureNames.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
                        if (unknown.Count > 0)
                        {
                            throw new ArgumentException($"Unknown figure(s) {string.Join(", ", unknown)}: use {string.Join(", ", FigureNames)}.");
                        }

                        options.Only = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
                        break;
                    case "--sweep-sizes" when i + 1 < args.Count:
                        options.SweepSizes = Numbers(args[++i], "--sweep-sizes", 4);
                        break;
                    case "--silent-first":
                        options.SilentFirst = true;
                        break;
                    case "--silent-filtered":
                        options.SilentFiltered = true;
                        break;
                    case "--stand-in" when i + 1 < args.Count:
                        var standIn = args[++i];
                        if (!standIn.Equals("nginx", StringComparison.OrdinalIgnoreCase) && !standIn.Equals("postfix", StringComparison.OrdinalIgnoreCase))
                        {
                            throw new ArgumentException($"Unknown stand-in '{standIn}': use postfix (the default) or nginx.");
                        }

                        options.NginxStandIn = standIn.Equals("nginx", StringComparison.OrdinalIgnoreCase);
                        break;
                    case "--all-at-once":
                        options.AllAtOnce = true;
                        break;
                    case "--user-forwarders":
                        options.UserForwarders = true;
                        break;
                    case "--sweep-sizes-only":
                        options.SweepSizesOnly = true;
                        break;
                    case "--silent-port-row-only":
                        options.SilentPortRowOnly = true;
                        break;
                    case "--sweep-throttles" when i + 1 < args.Count:
                        options.SweepThrottles = Numbers(args[++i], "--sweep-throttles", 0);
                        break;
                    case "--results" when i + 1 < args.Count:
                        options.ResultsFile = Path.GetFullPath(args[++i]);
                        break;
                    case "--micro":
                        options.Micro = true;
                        options.MicroArguments = args.Skip(i + 1).ToArray();
                        return options;
                    default:
                        throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }

            return options;
        }

        // "200,1000,5000": positive whole numbers (at least minimum), comma-separated.
        private static int[] Numbers(string text, string option, int minimum)
        {
            var values = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var numbers = values.Select(v => int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= minimum ? n : -1).ToArray();
            if (numbers.Length == 0 || numbers.Any(n => n < 0))
            {
                throw new ArgumentException($"{option} takes whole numbers of at least {minimum}, comma-separated: '{text}'.");
            }

            return numbers;
        }
    }
}
