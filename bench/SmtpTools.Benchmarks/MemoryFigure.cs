using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Figure 5: peak working-set growth of a fresh process while Send-SecureMail sends a 200 MB attachment, against the
    /// same message sent by MailKit alone (streamed from disk, base64).
    /// </summary>
    internal static class MemoryFigure
    {
        public const string Name = "5 Memory";
        private const long AttachmentBytes = 200L * 1024 * 1024;
        private const double TargetMegabytes = 32;
        private const string OursMode = "memory-ours";
        private const string MailKitMode = "memory-mailkit";

        public static FigureReport Run(TestServerInfo server, BenchmarkOptions options, Action<string> progress)
        {
            var report = new FigureReport(Name);
            var file = AttachmentFile();
            var repetitions = options.Quick ? 1 : 3;
            var timeout = TimeSpan.FromMinutes(3);
            var ours = new List<IReadOnlyDictionary<string, double>>();
            var mailKit = new List<IReadOnlyDictionary<string, double>>();
            for (var i = 0; i < repetitions; i++)
            {
                progress($"{Name}: 200 MB attachment, fresh processes, repetition {i + 1} of {repetitions}");
                ours.Add(ChildProcess.Run(OursMode, timeout, file));
                mailKit.Add(ChildProcess.Run(MailKitMode, timeout, file));
            }

            Sample Of(List<IReadOnlyDictionary<string, double>> runs, string key) => new Sample(runs.Select(r => r[key]));
            var growth = Of(ours, "growthMB");
            var baseline = Of(mailKit, "growthMB");
            report.Add("peak working-set growth, 200 MB attachment", growth.Format("0.0", "MB"), "MailKit alone, same message: " + baseline.Format("0.0", "MB"), growth.Median / baseline.Median, Target.AtMost(TargetMegabytes, $"{TargetMegabytes:0} MB"), growth.Median);
            report.Notes.Add($"Growth = peak working set while sending minus the working set just before, in a fresh process that had already sent one small message (so MailKit, TLS and the JIT are loaded); the peak is sampled every 5 ms{(ours[0].GetValueOrDefault("kernelPeak") > 0 ? " and read from the kernel's high-water mark (VmHWM)" : string.Empty)}.");
            report.Notes.Add($"Counted from right after Import-Module instead (so loading MailKit, MimeKit and TLS counts too): ours {Of(ours, "coldGrowthMB").Format("0.0", "MB")}, MailKit alone {Of(mailKit, "coldGrowthMB").Format("0.0", "MB")}.");
            report.Notes.Add($"Sending took {Of(ours, "seconds").Format("0.0", "s")} (ours) and {Of(mailKit, "seconds").Format("0.0", "s")} (MailKit); the message goes through STARTTLS + AUTH to the discarding recipient.");
            return report;
        }

        /// <summary>Child side: imports the module, sends one small message, then the 200 MB one, watching the working set.</summary>
        public static int RunOurs(string file)
        {
            var server = TestServerInfo.Load();
            using var session = new ModuleRunspace();
            var credential = ModuleRunspace.Credential(server.User, server.Password);
            const string Send = "Send-SecureMail -To $args[0] -Subject 'Memory' -Body 'Attached.' -SmtpServer $args[1] -Port $args[2] -From $args[3] -Credential $args[4] -TrustedCertificate $args[5] -Attachments $args[6]";
            object?[] Args(string? attachment) => new object?[] { server.DiscardRecipient, server.Host, server.SubmissionPort, server.User, credential, server.CaFile, attachment };
            var warmUp = Path.Combine(Path.GetDirectoryName(file)!, "warm-up.txt");
            File.WriteAllText(warmUp, "A small attachment, to load everything a send needs before the measurement.");
            return Measure(() => session.Invoke(Send, Args(warmUp)), () => session.Invoke(Send, Args(file)));
        }

        /// <summary>Child side: the same with MailKit alone.</summary>
        public static int RunMailKit(string file)
        {
            var server = TestServerInfo.Load();
            void Send(string path)
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan);
                using var client = MailKitBaseline.ConnectAndAuthenticate(server);
                client.Send(MailKitBaseline.WithAttachment(server, "Memory", stream, Path.GetFileName(path)));
                client.Disconnect(true);
            }

            var warmUp = Path.Combine(Path.GetDirectoryName(file)!, "warm-up.txt");
            File.WriteAllText(warmUp, "A small attachment, to load everything a send needs before the measurement.");
            return Measure(() => Send(warmUp), () => Send(file));
        }

        private static int Measure(Action warmUp, Action send)
        {
            var cold = ProcessMemory.SettledMegabytes();
            warmUp();
            var before = ProcessMemory.SettledMegabytes();
            var watch = Stopwatch.StartNew();
            double peak;
            bool kernelPeak;
            using (var memory = ProcessMemory.StartWatching())
            {
                send();
                peak = memory.PeakMegabytes();
                kernelPeak = memory.KernelPeak;
            }

            ChildProcess.Report("seconds", watch.Elapsed.TotalSeconds);
            ChildProcess.Report("beforeMB", before);
            ChildProcess.Report("peakMB", peak);
            ChildProcess.Report("growthMB", peak - before);
            ChildProcess.Report("coldGrowthMB", peak - cold);
            ChildProcess.Report("kernelPeak", kernelPeak ? 1 : 0);
            return 0;
        }

        // Made once and kept (200 MB of pseudo-random bytes: base64 works as hard as on real data, and nothing compresses).
        private static string AttachmentFile()
        {
            var directory = Path.Combine(Path.GetTempPath(), "smtptools-bench");
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, "attachment-200MB.bin");
            if (File.Exists(path) && new FileInfo(path).Length == AttachmentBytes)
            {
                return path;
            }

            var random = new Random(8);
            var buffer = new byte[1024 * 1024];
            using (var stream = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write))
            {
                for (long written = 0; written < AttachmentBytes; written += buffer.Length)
                {
                    random.NextBytes(buffer);
                    stream.Write(buffer, 0, buffer.Length);
                }
            }

            File.Move(path + ".tmp", path, overwrite: true);
            return path;
        }
    }
}
