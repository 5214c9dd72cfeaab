using System;
using System.Security.Cryptography.X509Certificates;

namespace SmtpTools.Tests.Listeners
{
    /// <summary>
    /// How a <see cref="FakeSmtpServer"/> behaves: a well-behaved SMTP server by default, and hooks where a test makes it
    /// misbehave. A hook returns the <see cref="FakeReply"/> to play instead of the default one, or null to behave.
    /// </summary>
    public sealed class FakeSmtpScript
    {
        /// <summary>The name the server gives itself in its greeting and EHLO reply.</summary>
        public const string ServerName = "fake.smtptools.test";

        /// <summary>The server certificate (with its private key): STARTTLS is offered with it, or spoken at once with <see cref="ImplicitTls"/>. Null: no TLS at all.</summary>
        public X509Certificate2? Certificate { get; init; }

        /// <summary>Intermediate certificates sent after <see cref="Certificate"/> in the handshake.</summary>
        public X509Certificate2[]? Intermediates { get; init; }

        /// <summary>TLS from the first byte (like port 465) instead of STARTTLS.</summary>
        public bool ImplicitTls { get; init; }

        /// <summary>Advertise AUTH before TLS too (or without any TLS), as a misconfigured server does. By default AUTH is offered only inside TLS.</summary>
        public bool AuthBeforeTls { get; init; }

        /// <summary>The SASL mechanisms advertised after AUTH.</summary>
        public string AuthMechanisms { get; init; } = "PLAIN LOGIN XOAUTH2";

        /// <summary>The EHLO keywords besides STARTTLS and AUTH.</summary>
        public string[] Extensions { get; init; } = { "PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES" };

        /// <summary>Reshapes every reply the server sends, its own and the hooks': dripped byte by byte, split in two packets.</summary>
        public Func<FakeReply, FakeReply>? Shape { get; init; }

        /// <summary>Replaces the greeting (a tarpit: <see cref="FakeReply.Silence"/>).</summary>
        public Func<FakeSession, FakeReply?>? Greeting { get; init; }

        /// <summary>Consulted for every command line before the default handling; a reply given here replaces it (the command then has no other effect).</summary>
        public Func<FakeSession, string, FakeReply?>? Command { get; init; }

        /// <summary>Consulted after each line of message data (its 1-based number and its text): a reply given here ends the data (a hang-up during DATA).</summary>
        public Func<FakeSession, int, string, FakeReply?>? DataLine { get; init; }

        /// <summary>Replaces the reply to the final dot of a message: 4xx, 5xx, or a hang-up right after the dot.</summary>
        public Func<FakeSession, FakeMessage, FakeReply?>? AfterDot { get; init; }
    }
}
