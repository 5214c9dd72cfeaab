using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.Loader;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Figure 4: in a fresh process each time, Import-Module SmtpTools and the first command (one Send-SecureMail), against
    /// loading the MailKit assembly alone and against MailKit's own first send.
    /// </summary>
    internal static class StartupFigure
    {
        public const string Name = "4 Start-up";
        private const string OursMode = "startup";
        private const string MailKitLoadMode = "mailkit-load";
        private const string MailKitSendMode = "mailkit-first-send";
        private const string EmptyModuleMode = "import-empty";

        public static FigureReport Run(TestServerInfo server, BenchmarkOptions options, Action<string> progress)
        {
            var report = new FigureReport(Name);
            var timeout = TimeSpan.FromSeconds(60);
            var ours = new List<IReadOnlyDictionary<string, double>>();
            var mailKitLoad = new List<double>();
            var mailKitSend = new List<double>();
            var emptyImport = new List<double>();
            for (var i = 0; i < options.Repetitions; i++)
            {
                progress($"{Name}: fresh processes, repetition {i + 1} of {options.Repetitions}");
                ours.Add(ChildProcess.Run(OursMode, timeout));
                mailKitLoad.Add(ChildProcess.Run(MailKitLoadMode, timeout)["loadMs"]);
                mailKitSend.Add(ChildProcess.Run(MailKitSendMode, timeout)["sendMs"]);
                emptyImport.Add(ChildProcess.Run(EmptyModuleMode, timeout)["importMs"]);
            }

            Sample Ours(string key) => new Sample(ours.Select(o => o[key]));
            var import = Ours("importMs");
            var load = new Sample(mailKitLoad);
            report.Add("Import-Module SmtpTools, fresh process", import.Format("0", "ms"), "MailKit assembly load (+ a type): " + load.Format("0.0", "ms"), import.Median / load.Median, Target.None);
            var empty = new Sample(emptyImport);
            report.Add("Import-Module SmtpTools, fresh process", import.Format("0", "ms"), "Import-Module of an empty module: " + empty.Format("0", "ms"), import.Median / empty.Median, Target.None);
            var first = Ours("firstMs");
            var send = new Sample(mailKitSend);
            report.Add("first command after import: Send-SecureMail, 1 msg", first.Format("0", "ms"), "MailKit's first send, fresh process: " + send.Format("0", "ms"), first.Median / send.Median, Target.None);
            report.Notes.Add($"Opening the PowerShell runspace itself (the engine's cost, paid before any module loads): {Ours("runspaceMs").Format("0", "ms")}. The same Send-SecureMail again in the same process: {Ours("warmMs").Format("0", "ms")}.");
            report.Notes.Add("The MailKit load is Assembly load of the module's MailKit.dll into a fresh AssemblyLoadContext plus constructing an SmtpClient (which pulls in MimeKit). MailKit's first send includes loading it, connecting, STARTTLS, AUTH and one message; ours counts from the command's start, after Import-Module.");
            report.Notes.Add("The empty module (a manifest with nothing in it) shows PowerShell's own cost of a first Import-Module in a process; the difference to ours is what SmtpTools adds (its assembly, its cmdlets, its format file).");
            report.Notes.Add("No target: these figures say what a scheduled task pays once per run.");
            return report;
        }

        /// <summary>Child side: runspace, Import-Module, then the same Send-SecureMail twice.</summary>
        public static int RunOurs()
        {
            var server = TestServerInfo.Load();
            var watch = Stopwatch.StartNew();
            using var session = new ModuleRunspace(import: false);
            ChildProcess.Report("runspaceMs", watch.Elapsed.TotalMilliseconds);
            ChildProcess.Report("importMs", session.Import().TotalMilliseconds);
            var credential = ModuleRunspace.Credential(server.User, server.Password);
            const string Send = "Send-SecureMail -To $args[0] -Subject 'Start-up' -Body 'First command.' -SmtpServer $args[1] -Port $args[2] -From $args[3] -Credential $args[4] -TrustedCertificate $args[5]";
            object[] args = { server.DiscardRecipient, server.Host, server.SubmissionPort, server.User, credential, server.CaFile };
            ChildProcess.Report("firstMs", session.Time(Send, args).Elapsed.TotalMilliseconds);
            ChildProcess.Report("warmMs", session.Time(Send, args).Elapsed.TotalMilliseconds);
            return 0;
        }

        /// <summary>Child side: runspace, then Import-Module of a manifest that declares nothing.</summary>
        public static int RunEmptyModuleImport()
        {
            var directory = Path.Combine(Path.GetTempPath(), "smtptools-bench", "EmptyModule");
            Directory.CreateDirectory(directory);
            var manifest = Path.Combine(directory, "EmptyModule.psd1");
            File.WriteAllText(manifest, "@{ ModuleVersion = '1.0.0' }\n");
            using var session = new ModuleRunspace(import: false);
            ChildProcess.Report("importMs", session.Time("Import-Module -Name $args[0] -ErrorAction Stop", manifest).Elapsed.TotalMilliseconds);
            return 0;
        }

        /// <summary>Child side: the module's MailKit.dll into a fresh load context, and one of its types constructed.</summary>
        public static int RunMailKitLoad()
        {
            var watch = Stopwatch.StartNew();
            var context = new AssemblyLoadContext("mailkit-baseline");
            context.Resolving += (ctx, name) =>
            {
                var path = Path.Combine(Repo.DependencyDirectory, name.Name + ".dll");
                return File.Exists(path) ? ctx.LoadFromAssemblyPath(path) : null;
            };
            var mailKit = context.LoadFromAssemblyPath(Path.Combine(Repo.DependencyDirectory, "MailKit.dll"));
            var client = Activator.CreateInstance(mailKit.GetType("MailKit.Net.Smtp.SmtpClient", throwOnError: true)!);
            ChildProcess.Report("loadMs", watch.Elapsed.TotalMilliseconds);
            GC.KeepAlive(client);
            return 0;
        }

        /// <summary>Child side: MailKit's first message from a cold process.</summary>
        public static int RunMailKitFirstSend()
        {
            var server = TestServerInfo.Load();
            var watch = Stopwatch.StartNew();
            using (var client = MailKitBaseline.ConnectAndAuthenticate(server))
            {
                client.Send(MailKitBaseline.TextMessage(server, "Start-up", "First command."));
                client.Disconnect(true);
            }

            ChildProcess.Report("sendMs", watch.Elapsed.TotalMilliseconds);
            return 0;
        }
    }
}
