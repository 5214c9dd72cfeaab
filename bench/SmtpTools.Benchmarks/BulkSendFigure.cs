using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// Figure 1: 1,000 messages through `$messages | Send-SecureMail` (one session, STARTTLS + AUTH, private CA trusted)
    /// against a plain MailKit loop on one session (the ceiling) and against swaks, one process per message.
    /// </summary>
    internal static class BulkSendFigure
    {
        public const string Name = "1 Bulk send";
        private const int Messages = 1000;
        private const int WarmUpMessages = 50;

        private const string Script =
            "$args[0] | Send-SecureMail -SmtpServer $args[1] -Port $args[2] -From $args[3] -Credential $args[4] -TrustedCertificate $args[5]";

        // About one line of a scheduled report per row: what admins mail by the thousand.
        private static readonly string Body = string.Join("\n", Enumerable.Range(1, 8).Select(i => $"Row {i}: disk usage on volume {i} is {40 + i}% (threshold 90%), no action needed."));

        public static FigureReport Run(ModuleRunspace session, TestServerInfo server, BenchmarkOptions options, Action<string> progress)
        {
            var report = new FigureReport(Name);
            var credential = ModuleRunspace.Credential(server.User, server.Password);
            var oursCpu = new List<double>();
            var mailKitCpu = new List<double>();
            double SendThroughModule(int count)
            {
                var records = Enumerable.Range(1, count).Select(i => Record(server, i)).ToArray();
                var cpu = ProcessorTime();
                var (_, elapsed) = session.Time(Script, records, server.Host, server.SubmissionPort, server.User, credential, server.CaFile);
                oursCpu.Add((ProcessorTime() - cpu).TotalMilliseconds * 1000 / count);
                return count / elapsed.TotalSeconds;
            }

            double SendWithMailKit(int count)
            {
                var cpu = ProcessorTime();
                var watch = Stopwatch.StartNew();
                using (var client = MailKitBaseline.ConnectAndAuthenticate(server))
                {
                    for (var i = 1; i <= count; i++)
                    {
                        client.Send(MailKitBaseline.TextMessage(server, Subject(i), Body));
                    }

                    client.Disconnect(true);
                }

                var rate = count / watch.Elapsed.TotalSeconds;
                mailKitCpu.Add((ProcessorTime() - cpu).TotalMilliseconds * 1000 / count);
                return rate;
            }

            // Both sides warmed up (JIT, TLS, Postfix's smtpd processes) before anything counts.
            SendThroughModule(WarmUpMessages);
            SendWithMailKit(WarmUpMessages);
            oursCpu.Clear();
            mailKitCpu.Clear();
            var ours = new List<double>();
            var mailKit = new List<double>();
            for (var i = 0; i < options.Repetitions; i++)
            {
                progress($"{Name}: repetition {i + 1} of {options.Repetitions}");
                ours.Add(SendThroughModule(Messages));
                mailKit.Add(SendWithMailKit(Messages));
            }

            var oursSample = new Sample(ours);
            var mailKitSample = new Sample(mailKit);
            var measure = $"msg/s, {Messages:N0} msgs, one session, STARTTLS+AUTH";
            report.Add(measure, oursSample.Format("0", "msg/s"), "MailKit loop, one session: " + mailKitSample.Format("0", "msg/s"), oursSample.Median / mailKitSample.Median, Target.AtLeast(0.9));
            var oursCpuSample = new Sample(oursCpu);
            var mailKitCpuSample = new Sample(mailKitCpu);
            report.Add("client CPU per message (this process, all threads)", oursCpuSample.Format("0", "us"), "MailKit loop: " + mailKitCpuSample.Format("0", "us"), oursCpuSample.Median / mailKitCpuSample.Median, Target.None);
            report.Notes.Add("Client CPU per message shows our overhead even when the server, not the client, limits throughput (on a loaded machine it usually does): it is the process's processor time during the run divided by the messages.");

            var swaks = ExternalCommand.Find("swaks");
            if (swaks == null)
            {
                report.Add(measure, oursSample.Format("0", "msg/s"), "swaks: not installed (run `bash tests/server/smtp-test-server.sh install-peers`)", null, Target.AtLeast(30));
            }
            else
            {
                var count = options.Quick ? 20 : 40;
                var repetitions = options.Quick ? 2 : 3;
                var swaksRates = new List<double>();
                for (var i = 0; i < repetitions; i++)
                {
                    progress($"{Name}: swaks, {count} processes, repetition {i + 1} of {repetitions}");
                    swaksRates.Add(SendWithSwaks(swaks, server, count));
                }

                var swaksSample = new Sample(swaksRates);
                report.Add(measure, oursSample.Format("0", "msg/s"), "swaks, one process per msg: " + swaksSample.Format("0.0", "msg/s"), oursSample.Median / swaksSample.Median, Target.AtLeast(30));
                report.Notes.Add($"swaks was timed on {count} messages per repetition (one process each, as a script runs it), not 1,000: its messages per second are extrapolated to the 1,000-message run.");
            }

            report.Notes.Add($"Each repetition sends {Messages:N0} messages through one session to {server.Host}:{server.SubmissionPort} (STARTTLS required, AUTH, our CA trusted); both sides were warmed up with {WarmUpMessages} messages first. The time includes connecting, TLS, AUTH and QUIT.");
            report.Notes.Add($"Messages go to {server.DiscardRecipient}, which the test server accepts and discards, so the Maildirs stay small; ours and MailKit's repetitions alternate.");
            return report;
        }

        private static TimeSpan ProcessorTime()
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
        }

        private static PSObject Record(TestServerInfo server, int i) => ModuleRunspace.Record(new Dictionary<string, object?>
        {
            ["To"] = server.DiscardRecipient,
            ["Subject"] = Subject(i),
            ["Body"] = Body,
        });

        private static string Subject(int i) => $"Nightly report {i}";

        private static double SendWithSwaks(string swaks, TestServerInfo server, int count)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 1; i <= count; i++)
            {
                var run = ExternalCommand.Run(swaks, new[]
                {
                    "--server", server.Host, "--port", server.SubmissionPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "-tls", "--tls-verify", "--tls-ca-path", server.CaFile,
                    "--auth", "--auth-user", server.User, "--auth-password", server.Password,
                    "--from", server.User, "--to", server.DiscardRecipient,
                    "--header", "Subject: " + Subject(i), "--body", Body, "--suppress-data",
                }, TimeSpan.FromSeconds(30));
                if (run.ExitCode != 0)
                {
                    throw new InvalidOperationException(run.Describe("swaks"));
                }
            }

            return count / watch.Elapsed.TotalSeconds;
        }
    }
}
