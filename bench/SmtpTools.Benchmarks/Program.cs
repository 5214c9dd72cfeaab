using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// dotnet run -c Release --project bench/SmtpTools.Benchmarks [-- --quick] [--only send,sweep,capability,startup,memory,detect,ciphers] [--full-testssl] [--sweep-sizes 200,1000,5000] [--sweep-sizes-only | --silent-port-row-only] [--sweep-throttles 0,256] [--user-forwarders] [--silent-first] [--silent-filtered] [--stand-in postfix|nginx] [--all-at-once] [--results FILE]
    /// dotnet run -c Release --project bench/SmtpTools.Benchmarks -- --micro [BenchmarkDotNet arguments]
    /// Prints every figure as a ratio against a baseline measured in the same run, then writes the table to
    /// bench/results/latest.md. Needs the test server running (bash tests/server/smtp-test-server.sh start).
    /// Exit code 0 when every figure ran (targets missed or not), 1 when a figure failed, 2 for bad usage.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == ChildProcess.Argument)
            {
                return ChildModes.Run(args.Skip(1).ToArray());
            }

            BenchmarkOptions options;
            try
            {
                options = BenchmarkOptions.Parse(args);
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"smtptools-bench: {e.Message}");
                Console.Error.WriteLine("usage: dotnet run -c Release --project bench/SmtpTools.Benchmarks [-- --quick] [--only " + string.Join(",", BenchmarkOptions.FigureNames) + "] [--full-testssl] [--sweep-sizes N,N] [--sweep-sizes-only | --silent-port-row-only] [--sweep-throttles N,N] [--user-forwarders] [--silent-first] [--silent-filtered] [--stand-in postfix|nginx] [--all-at-once] [--results FILE] | -- --micro [BenchmarkDotNet arguments]");
                return 2;
            }

            if (options.Micro)
            {
                return MicroBenchmarks.Run(options.MicroArguments);
            }

            TestServerInfo server;
            try
            {
                server = TestServerInfo.Load();
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"smtptools-bench: {e.Message}");
                return 2;
            }

            var unoptimized = Repo.UnoptimizedModuleAssemblies();
            if (unoptimized.Length > 0)
            {
                Console.Error.WriteLine($"smtptools-bench: the module in {Repo.ModuleDirectory} is a Debug build ({string.Join(", ", unoptimized.Select(System.IO.Path.GetFileName))} without optimizations; build.ps1 and CI build Debug into the same folder). Run the benchmark without --no-build, or run 'dotnet build -c Release bench/SmtpTools.Benchmarks' first.");
                return 2;
            }

            return RunFigures(options, server, args);
        }

        private static int RunFigures(BenchmarkOptions options, TestServerInfo server, string[] args)
        {
            var watch = Stopwatch.StartNew();
            void Progress(string line) => Console.WriteLine($"[{watch.Elapsed.TotalSeconds,5:0}s] {line}");
            Progress($"SmtpTools benchmarks{(options.Quick ? " (--quick)" : string.Empty)} on {ResultTable.MachineDescription()}; module {Repo.ModuleManifest}");

            var reports = new List<FigureReport>();
            var failed = false;
            var figures = new (string Key, string Name, Func<FigureReport> Run)[]
            {
                ("send", BulkSendFigure.Name, () => WithSession(session => BulkSendFigure.Run(session, server, options, Progress))),
                ("sweep", SweepFigure.Name, () => WithSession(session => SweepFigure.Run(session, server, options, Progress))),
                ("capability", CapabilityFigure.Name, () => WithSession(session => CapabilityFigure.Run(session, server, options, Progress))),
                ("startup", StartupFigure.Name, () => StartupFigure.Run(server, options, Progress)),
                ("memory", MemoryFigure.Name, () => MemoryFigure.Run(server, options, Progress)),
                ("detect", DetectionFigure.Name, () => WithSession(session => DetectionFigure.Run(session, server, options, Progress))),
                ("ciphers", CipherFigure.Name, () => WithSession(session => CipherFigure.Run(session, server, options, Progress))),
            };
            foreach (var figure in figures.Where(f => options.Runs(f.Key)))
            {
                Progress($"{figure.Name}: starting");
                try
                {
                    var report = figure.Run();
                    reports.Add(report);
                    Console.WriteLine(ResultTable.Render(new[] { report }));
                }
                catch (Exception e) when (e is InvalidOperationException || e is IOException || e is System.Net.Sockets.SocketException || e is MailKit.ProtocolException || e is MailKit.Security.AuthenticationException)
                {
                    failed = true;
                    var report = new FigureReport(figure.Name);
                    report.Add("failed", "-", "-", null, Target.None);
                    report.Notes.Add("The figure failed: " + e.Message);
                    reports.Add(report);
                    Progress($"{figure.Name}: FAILED: {e.Message}");
                }
            }

            var commandLine = "dotnet run -c Release --project bench/SmtpTools.Benchmarks" + (args.Length > 0 ? " -- " + string.Join(" ", args) : string.Empty);
            Console.WriteLine();
            Console.WriteLine($"SmtpTools benchmarks: {watch.Elapsed.TotalSeconds:0} s");
            Console.WriteLine(ResultTable.Render(reports));
            Console.Write(ResultTable.RenderNotes(reports));
            Directory.CreateDirectory(Path.GetDirectoryName(options.ResultsFile)!);
            File.WriteAllText(options.ResultsFile, ResultTable.Markdown(reports, commandLine, watch.Elapsed));
            Console.WriteLine($"Written to {options.ResultsFile}");
            return failed ? 1 : 0;
        }

        // The figures that go through the module share one way to get a fresh runspace with it imported.
        private static FigureReport WithSession(Func<ModuleRunspace, FigureReport> figure)
        {
            using var session = new ModuleRunspace();
            return figure(session);
        }
    }
}
