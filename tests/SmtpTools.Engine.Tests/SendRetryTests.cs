using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The session's retry decisions against a scripted in-process SMTP peer (plain text, loopback only).</summary>
    public sealed class SendRetryTests
    {
        [Fact]
        public void A_4xx_after_the_data_is_retried_and_then_sent()
        {
            using var peer = new ScriptedSmtpPeer(dataNumber => dataNumber == 1 ? "451 4.3.0 Try again later" : "250 2.0.0 Ok: queued");
            var result = SendOne(peer);

            Assert.Equal(SmtpSendStatus.Sent, result.Status);
            Assert.Equal(2, result.Attempts);
            Assert.Equal(2, peer.DataCommands);
        }

        [Fact]
        public void A_5xx_after_the_data_is_not_retried()
        {
            using var peer = new ScriptedSmtpPeer(_ => "554 5.7.1 Rejected by policy");
            var result = SendOne(peer);

            Assert.Equal(SmtpSendStatus.Failed, result.Status);
            Assert.Equal(SmtpFailureKind.MessageRejected, result.FailureKind);
            Assert.Equal(1, result.Attempts);
            Assert.Equal(1, peer.DataCommands);
        }

        [Fact]
        public void A_drop_after_the_final_dot_is_reported_as_unknown_and_not_sent_twice()
        {
            using var peer = new ScriptedSmtpPeer(_ => null);
            var result = SendOne(peer);

            Assert.Equal(SmtpSendStatus.OutcomeUnknown, result.Status);
            Assert.Equal(SmtpFailureKind.OutcomeUnknown, result.FailureKind);
            Assert.Equal(1, peer.DataCommands);
        }

        [Fact]
        public void Retries_stop_after_RetryCount()
        {
            using var peer = new ScriptedSmtpPeer(_ => "421 4.4.2 Too busy");
            var result = SendOne(peer, retryCount: 1);

            Assert.Equal(SmtpSendStatus.Failed, result.Status);
            Assert.Equal(2, result.Attempts);
            Assert.Equal(2, peer.DataCommands);
        }

        private static SmtpSendResult SendOne(ScriptedSmtpPeer peer, int retryCount = 2)
        {
            var options = new SmtpSendOptions
            {
                SmtpServer = "127.0.0.1",
                Port = peer.Port,
                Security = SmtpSecurity.None,
                AllowUnencrypted = true,
                Timeout = TimeSpan.FromSeconds(5),
                RetryCount = retryCount,
            };
            using var session = new SmtpMailSession(options) { Delay = (_, _) => { } };
            using var message = PreparedMessage.Create(new OutgoingMessage { From = "a@example.test", To = { "b@example.test" }, Subject = "retry", Body = "body" });
            return session.Send(message);
        }

        /// <summary>A minimal SMTP peer: accepts the envelope, then answers each message's final dot as told (null: hang up).</summary>
        private sealed class ScriptedSmtpPeer : IDisposable
        {
            private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
            private readonly Func<int, string?> _afterData;
            private readonly CancellationTokenSource _stop = new CancellationTokenSource();
            private int _dataCommands;

            public ScriptedSmtpPeer(Func<int, string?> afterData)
            {
                _afterData = afterData;
                _listener.Start();
                _ = Task.Run(ServeAsync);
            }

            public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

            public int DataCommands => Volatile.Read(ref _dataCommands);

            public void Dispose()
            {
                _stop.Cancel();
                _listener.Stop();
            }

            private async Task ServeAsync()
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (Exception)
                    {
                        return;
                    }

                    using (client)
                    {
                        try
                        {
                            await ConverseAsync(client.GetStream());
                        }
                        catch (IOException)
                        {
                        }
                    }
                }
            }

            private async Task ConverseAsync(Stream stream)
            {
                using var reader = new StreamReader(stream, Encoding.ASCII);
                using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
                await writer.WriteLineAsync("220 peer ESMTP");
                string? line;
                while ((line = await reader.ReadLineAsync()) != null)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO":
                            await writer.WriteLineAsync("250 peer");
                            break;
                        case "DATA":
                            await writer.WriteLineAsync("354 go ahead");
                            while ((line = await reader.ReadLineAsync()) != null && line != ".")
                            {
                            }

                            var reply = _afterData(Interlocked.Increment(ref _dataCommands));
                            if (reply == null)
                            {
                                return;
                            }

                            await writer.WriteLineAsync(reply);
                            if (reply.StartsWith("421", StringComparison.Ordinal))
                            {
                                return;
                            }

                            break;
                        case "QUIT":
                            await writer.WriteLineAsync("221 bye");
                            return;
                        default:
                            await writer.WriteLineAsync("250 ok");
                            break;
                    }
                }
            }
        }
    }
}
