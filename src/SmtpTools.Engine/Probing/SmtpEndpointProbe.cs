using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Tls;
using SmtpTools.Protocol;
using SmtpTools.Rules;

namespace SmtpTools.Probing
{
    /// <summary>
    /// Finds out what one port really speaks, by behaviour: a server that talks first is plaintext SMTP (then EHLO,
    /// STARTTLS if offered); a silent one is tried with a TLS handshake (implicit TLS, RFC 8314 3.3) and must then greet
    /// inside TLS. Each step is bounded by the options' timeout, and a silent port costs about one timeout in all (the
    /// greeting wait plus the handshake share it). Never throws for network outcomes: they are results.
    /// </summary>
    public static class SmtpEndpointProbe
    {
        /// <summary>Resolves <paramref name="computerName"/> and probes its <paramref name="port"/>.</summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 1-65535.</exception>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public static async Task<SmtpPortResult> ProbeAsync(string computerName, int port, SmtpProbeOptions options, CancellationToken cancellationToken = default)
        {
            CheckPort(port);
            var watch = Stopwatch.StartNew();
            IPAddress[] addresses;
            try
            {
                addresses = await SmtpWireSession.ResolveAsync(computerName, options.Timeout, options.Dns, cancellationToken).ConfigureAwait(false);
            }
            catch (SmtpConnectionException e)
            {
                var unresolved = Unresolved(computerName, port, e);
                unresolved.Duration = watch.Elapsed;
                return unresolved;
            }

            return await ProbeAsync(computerName, addresses, port, options, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Probes <paramref name="port"/> of a host already resolved to <paramref name="addresses"/> (tried in order until
        /// one accepts), so a sweep resolves each host once for all its ports. Certificates are checked against
        /// <paramref name="computerName"/>.
        /// </summary>
        /// <exception cref="ArgumentException"><paramref name="addresses"/> is empty.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is not 1-65535.</exception>
        /// <exception cref="OperationCanceledException">The caller cancelled.</exception>
        public static async Task<SmtpPortResult> ProbeAsync(string computerName, IReadOnlyList<IPAddress> addresses, int port, SmtpProbeOptions options, CancellationToken cancellationToken = default)
        {
            CheckPort(port);
            if (addresses is null || addresses.Count == 0)
            {
                throw new ArgumentException("At least one address is needed.", nameof(addresses));
            }

            var total = Stopwatch.StartNew();
            var plan = PlanFor(computerName, port, options);
            SmtpEndpointFacts facts;
            using (var conversation = await SmtpConversation.RunAsync(computerName, addresses, plan, throwOnFailure: false, cancellationToken).ConfigureAwait(false))
            {
                facts = conversation.Facts;
            }

            var result = FromFacts(facts, plan);
            result.Duration = total.Elapsed;
            NoteAddresses(result, addresses);
            Conclude(result);
            return result;
        }

        // localhost (127.0.0.1 and ::1) and every name with several addresses: say which address this result is
        // from, which were tried before it, and which were not probed at all. localhost means both loopbacks (RFC 6761
        // 6.3) even where the hosts file gives one: a server listening on ::1 only is then not silently missed.
        private static void NoteAddresses(SmtpPortResult result, IReadOnlyList<IPAddress> resolved)
        {
            var addresses = resolved.ToList();
            var isLocalhost = IsLocalhost(result.ComputerName);
            if (isLocalhost)
            {
                foreach (var loopback in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
                {
                    if (!addresses.Any(a => a.AddressFamily == loopback.AddressFamily && IPAddress.IsLoopback(a)))
                    {
                        addresses.Add(loopback);
                    }
                }
            }

            if (addresses.Count < 2)
            {
                return;
            }

            var all = string.Join(", ", addresses);
            var what = isLocalhost ? $"{result.ComputerName} is the loopback ({all})" : $"{result.ComputerName} has {addresses.Count} addresses ({all})";
            var at = result.RemoteAddress == null ? -1 : IndexOf(addresses, result.RemoteAddress);
            if (at < 0)
            {
                var notTried = addresses.Skip(resolved.Count).ToList();
                result.AddNote(notTried.Count == 0
                    ? $"{what}; each was tried and none answered on port {result.Port}."
                    : $"{what}; {string.Join(", ", resolved)} did not answer on port {result.Port}; not probed: {string.Join(", ", notTried)} (Test-SmtpPort {notTried[0]} probes it directly).");
                return;
            }

            var tried = at == 0 ? string.Empty : $" after {string.Join(", ", addresses.Take(at))} did not answer";
            var rest = addresses.Skip(at + 1).ToList();
            var notProbed = rest.Count == 0 ? string.Empty : $"; not probed: {string.Join(", ", rest)} (Test-SmtpPort {rest[0]} probes it directly)";
            result.AddNote($"{what}: this result is from {result.RemoteAddress}{tried}{notProbed}.");
        }

        private static bool IsLocalhost(string name)
        {
            var trimmed = name.Trim().TrimEnd('.');
            return trimmed.Equals("localhost", StringComparison.OrdinalIgnoreCase) || trimmed.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
        }

        private static int IndexOf(IReadOnlyList<IPAddress> addresses, IPAddress address)
        {
            for (var i = 0; i < addresses.Count; i++)
            {
                if (addresses[i].Equals(address))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>The result for a port of a host whose name did not resolve.</summary>
        internal static SmtpPortResult Unresolved(string computerName, int port, SmtpConnectionException failure)
        {
            var result = new SmtpPortResult { ComputerName = computerName, Port = port };
            Fail(result, failure.Kind, failure.Message);
            if (failure.Kind == SmtpFailureKind.TimedOut)
            {
                result.Status = SmtpPortStatus.NameNotResolved; // no address to call filtered: the lookup itself timed out
            }

            Conclude(result);
            return result;
        }

        /// <summary>The conversation of a probe: the mode found by behaviour, TLS used when offered, the certificate judged but never enforced.</summary>
        internal static SmtpConversationPlan PlanFor(string computerName, int port, SmtpProbeOptions options) => new SmtpConversationPlan
        {
            TargetHost = computerName,
            Port = port,
            Requested = SmtpRequestedSecurity.Auto,
            Timeout = options.Timeout,
            GreetingWait = options.GreetingWait,
            HeloName = options.HeloName,
            CertificatePolicy = options.CertificatePolicy,
            ExplainSilence = true,
            Transcript = options.Transcript,
            Answered = options.Answered,
            Connected = options.Connected,
        };

        private static SmtpPortResult FromFacts(SmtpEndpointFacts facts, SmtpConversationPlan plan)
        {
            var result = new SmtpPortResult
            {
                ComputerName = facts.ComputerName,
                Port = facts.Port,
                RemoteAddress = facts.RemoteAddress,
                ConnectTime = facts.ConnectTime,
                Status = SmtpPortStatus.Open,
                Security = facts.Observed,
                Banner = facts.Greeting?.Text,
                GreetingTime = facts.GreetingTime,
                Tls = facts.Tls,
                ExtensionsBeforeTls = facts.ExtensionsBeforeTls,
                ExtensionsAfterTls = facts.ExtensionsAfterTls,
            };

            var wait = plan.Detection.GreetingWait(plan);
            if (facts.LateGreeting is TimeSpan late)
            {
                result.AddNote($"The server greets in clear only after {Seconds(late)} s, later than the {Seconds(wait)} s greeting wait; it was given the whole timeout to greet (its log may show the TLS handshake tried meanwhile on a second connection, answered in clear).");
            }

            if (facts.RefusedEhlo != null)
            {
                result.AddNote($"EHLO refused ({facts.RefusedEhlo.Text}): the server speaks only old SMTP, without extensions or STARTTLS.");
            }

            if (facts.Silence?.SmtpReply is SmtpReply reply)
            {
                result.AddNote($"In clear, the port answered \"{reply.Text}\" on a second connection: an SMTP server that greets only after the client speaks, or more slowly than the {Seconds(wait)} s greeting wait. Retry with a larger -TimeoutSec.");
            }

            if (facts.Observed == SmtpObservedSecurity.ImplicitTls && facts.ExtensionsAfterTls?.StartTls == true)
            {
                result.AddNote("The server offers STARTTLS inside implicit TLS, which makes no sense (RFC 3207 4.2).");
            }

            var certificate = facts.Tls?.Certificate;
            if (certificate != null && certificate.IsAcceptable && certificate.Problems != SmtpCertificateProblems.None)
            {
                result.AddNote($"Certificate problem ignored ({(plan.CertificatePolicy.SkipValidation ? "-SkipCertificateCheck" : "tolerated by the policy")}): {certificate.Verdict}.");
            }

            if (facts.FailureKind != SmtpFailureKind.None)
            {
                if (IsBrokenCommand(facts))
                {
                    // The port's mode is known; a command that went unanswered afterwards is a remark, not the verdict.
                    result.AddNote(facts.ErrorMessage!);
                }
                else
                {
                    Fail(result, facts.FailureKind, facts.ErrorMessage ?? facts.FailureKind.ToString());
                    if (facts.FailureKind == SmtpFailureKind.CommandRejected)
                    {
                        result.Status = SmtpPortStatus.Open;
                    }
                }
            }

            if (result.FailureKind == SmtpFailureKind.None && certificate != null && !certificate.IsAcceptable)
            {
                Fail(result, SmtpFailureKind.CertificateRejected, $"The certificate is not acceptable ({certificate.Verdict}). {CertificateInspector.Remedy(certificate)} To probe past it anyway: -SkipCertificateCheck (the problem is still reported).");
            }

            return result;
        }

        private static bool IsBrokenCommand(SmtpEndpointFacts facts)
        {
            var broken = facts.FailureKind == SmtpFailureKind.TimedOut || facts.FailureKind == SmtpFailureKind.ProtocolError || facts.FailureKind == SmtpFailureKind.ConnectionClosed;
            var afterGreeting = facts.FailureStep == ConversationStep.Ehlo || facts.FailureStep == ConversationStep.StartTls || facts.FailureStep == ConversationStep.EhloAfterTls || facts.FailureStep == ConversationStep.Authenticate;
            return broken && afterGreeting;
        }

        // The port-number judgement comes last, on what the port really did.
        private static void Conclude(SmtpPortResult result)
        {
            var mismatch = result.Security == SmtpObservedSecurity.Unknown ? null : SubmissionRanking.PortMismatch(result.Port, result.Security);
            if (mismatch != null)
            {
                result.AddNote(mismatch);
            }

            (result.Rating, result.RatingReason) = SubmissionRanking.Assess(result);
            result.Findings = EndpointRules.Evaluate(result);
        }

        private static void Fail(SmtpPortResult result, SmtpFailureKind kind, string message)
        {
            result.FailureKind = kind;
            result.ErrorMessage = message;
            switch (kind)
            {
                case SmtpFailureKind.NameNotResolved: result.Status = SmtpPortStatus.NameNotResolved; break;
                case SmtpFailureKind.ConnectionRefused: result.Status = SmtpPortStatus.Closed; break;
                case SmtpFailureKind.TimedOut: result.Status = result.RemoteAddress == null || result.ConnectTime == null ? SmtpPortStatus.Filtered : SmtpPortStatus.NoResponse; break;
                case SmtpFailureKind.NotSmtp: result.Status = SmtpPortStatus.NotSmtp; break;
                case SmtpFailureKind.ConnectionClosed: result.Status = SmtpPortStatus.NoResponse; break;
                default: result.Status = SmtpPortStatus.TlsFailed; break;
            }
        }

        private static void CheckPort(int port)
        {
            if (port < 1 || port > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(port), port, "A TCP port is 1-65535.");
            }
        }

        private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
    }
}
