using System.Collections.Generic;

namespace SmtpTools.Tests.Fuzz
{
    /// <summary>
    /// Replies the test server's Postfix really sent, byte for byte (captured on its relay, submission and plain
    /// listeners, in clear and inside TLS): the seed corpus the fuzzer mutates.
    /// </summary>
    public static class PostfixTranscripts
    {
        /// <summary>The greeting.</summary>
        public const string Greeting = "220 mail.smtptools.test ESMTP Postfix\r\n";

        /// <summary>EHLO in clear on the submission port: STARTTLS, no AUTH.</summary>
        public const string EhloSubmissionClear =
            "250-mail.smtptools.test\r\n250-PIPELINING\r\n250-SIZE 419430400\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n" +
            "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";

        /// <summary>EHLO inside TLS on the submission port: AUTH, no STARTTLS.</summary>
        public const string EhloSubmissionTls =
            "250-mail.smtptools.test\r\n250-PIPELINING\r\n250-SIZE 419430400\r\n250-VRFY\r\n250-ETRN\r\n250-AUTH PLAIN LOGIN\r\n" +
            "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";

        /// <summary>EHLO on the relay port inside TLS: neither STARTTLS nor AUTH.</summary>
        public const string EhloRelayTls =
            "250-mail.smtptools.test\r\n250-PIPELINING\r\n250-SIZE 419430400\r\n250-VRFY\r\n250-ETRN\r\n" +
            "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n";

        /// <summary>The reply to STARTTLS.</summary>
        public const string StartTlsReady = "220 2.0.0 Ready to start TLS\r\n";

        /// <summary>Every captured reply, the seeds of mutation.</summary>
        public static IReadOnlyList<string> Replies { get; } = new[]
        {
            Greeting,
            EhloSubmissionClear,
            EhloSubmissionTls,
            EhloRelayTls,
            "250-mail.smtptools.test\r\n250-PIPELINING\r\n250-SIZE 419430400\r\n250-VRFY\r\n250-ETRN\r\n250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
            StartTlsReady,
            "250 2.1.0 Ok\r\n",
            "250 2.1.5 Ok\r\n",
            "550 5.1.1 <nobody@smtptools.test>: Recipient address rejected: User unknown in virtual mailbox table\r\n",
            "554 5.7.1 <x@elsewhere.example>: Relay access denied\r\n",
            "354 End data with <CR><LF>.<CR><LF>\r\n",
            "530 5.7.0 Must issue a STARTTLS command first\r\n",
            "535 5.7.8 Error: authentication failed: (reason unavailable)\r\n",
            "221 2.0.0 Bye\r\n",
            "250 mail.smtptools.test\r\n",
            "250 2.0.0 Ok\r\n",
            "500 5.5.2 Error: command not recognized\r\n",
        };
    }
}
