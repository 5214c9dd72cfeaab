using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>
    /// A loopback UDP DNS responder that stands in for a validating resolver: every answer carries the AD bit (RFC 4035
    /// 3.2.3), which an authoritative server such as the test Knot never sets. It knows one mail domain: an MX record
    /// pointing at <c>mx.&lt;domain&gt;</c>, whose A record is 127.0.0.1; every other question gets NXDOMAIN. It counts
    /// the questions it answered. Dispose stops it.
    /// </summary>
    public sealed class VouchingDnsResolver : IDisposable
    {
        private const ushort TypeA = 1;
        private const ushort TypeMx = 15;

        private readonly UdpClient _socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        private readonly CancellationTokenSource _closing = new CancellationTokenSource();
        private readonly Task _loop;
        private int _answered;

        public VouchingDnsResolver(string domain)
        {
            Domain = domain.TrimEnd('.').ToLowerInvariant();
            _loop = Task.Run(AnswerLoopAsync);
        }

        /// <summary>The domain with an MX record.</summary>
        public string Domain { get; }

        /// <summary>The MX target, which resolves to 127.0.0.1.</summary>
        public string Exchange => "mx." + Domain;

        /// <summary>"127.0.0.1:port", for -DnsServer.</summary>
        public string Address => "127.0.0.1:" + ((IPEndPoint)_socket.Client.LocalEndPoint!).Port;

        /// <summary>How many questions got an answer.</summary>
        public int Answered => Volatile.Read(ref _answered);

        public void Dispose()
        {
            _closing.Cancel();
            _socket.Dispose();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
            }
        }

        private async Task AnswerLoopAsync()
        {
            while (!_closing.IsCancellationRequested)
            {
                UdpReceiveResult query;
                try
                {
                    query = await _socket.ReceiveAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is ObjectDisposedException || e is SocketException)
                {
                    return;
                }

                var answer = Answer(query.Buffer);
                if (answer != null)
                {
                    await _socket.SendAsync(answer, answer.Length, query.RemoteEndPoint).ConfigureAwait(false);
                    Interlocked.Increment(ref _answered);
                }
            }
        }

        private byte[]? Answer(byte[] query)
        {
            if (query.Length < 17)
            {
                return null;
            }

            // The question: labels from offset 12, then type and class.
            var labels = new List<string>();
            var at = 12;
            while (at < query.Length && query[at] != 0)
            {
                labels.Add(Encoding.ASCII.GetString(query, at + 1, query[at]));
                at += query[at] + 1;
            }

            var questionEnd = at + 5;
            if (questionEnd > query.Length)
            {
                return null;
            }

            var name = string.Join(".", labels).ToLowerInvariant();
            var type = (ushort)((query[at + 1] << 8) | query[at + 2]);
            byte[]? rdata = null;
            if (type == TypeMx && name == Domain)
            {
                var exchange = Name(Exchange);
                rdata = new byte[2 + exchange.Length];
                rdata[1] = 10;
                exchange.CopyTo(rdata, 2);
            }
            else if (type == TypeA && name == Exchange)
            {
                rdata = new byte[] { 127, 0, 0, 1 };
            }

            var exists = name == Domain || name == Exchange;
            var response = new List<byte>();
            response.AddRange(new[] { query[0], query[1] });
            response.Add(0x81); // QR, RD
            response.Add((byte)(0xA0 | (exists ? 0 : 3))); // RA, AD; NOERROR or NXDOMAIN
            response.AddRange(new byte[] { 0, 1, 0, (byte)(rdata == null ? 0 : 1), 0, 0, 0, 0 });
            for (var i = 12; i < questionEnd; i++)
            {
                response.Add(query[i]);
            }

            if (rdata != null)
            {
                response.AddRange(new byte[] { 0xC0, 12, 0, (byte)type, 0, 1, 0, 0, 0, 60, 0, (byte)rdata.Length });
                response.AddRange(rdata);
            }

            return response.ToArray();
        }

        private static byte[] Name(string name)
        {
            var bytes = new List<byte>();
            foreach (var label in name.Split('.'))
            {
                bytes.Add((byte)label.Length);
                bytes.AddRange(Encoding.ASCII.GetBytes(label));
            }

            bytes.Add(0);
            return bytes.ToArray();
        }
    }
}
