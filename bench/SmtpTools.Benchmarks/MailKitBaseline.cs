using System;
using System.IO;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SmtpTools.Benchmarks
{
    /// <summary>
    /// What a C# programmer writes with MailKit alone: one SmtpClient, STARTTLS, the private CA trusted, AUTH, then
    /// messages. The ceiling our engine (which sends through MailKit) is measured against.
    /// </summary>
    internal static class MailKitBaseline
    {
        /// <summary>Connects to the submission port with STARTTLS and authenticates.</summary>
        public static SmtpClient ConnectAndAuthenticate(TestServerInfo server)
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(server.CaFile);
            var client = new SmtpClient
            {
                Timeout = 30_000,
                ServerCertificateValidationCallback = (sender, certificate, chain, errors) => TrustedBy(ca, certificate, chain, errors),
            };
            client.Connect(server.Host, server.SubmissionPort, SecureSocketOptions.StartTls);
            client.Authenticate(server.User, server.Password);
            return client;
        }

        /// <summary>A short text message, like one row of a scheduled report.</summary>
        public static MimeMessage TextMessage(TestServerInfo server, string subject, string body) =>
            new MimeMessage(new[] { MailboxAddress.Parse(server.User) }, new[] { MailboxAddress.Parse(server.DiscardRecipient) }, subject, new TextPart("plain") { Text = body });

        /// <summary>A message with one file attached, streamed from disk in base64 (MimeKit's way for large files).</summary>
        public static MimeMessage WithAttachment(TestServerInfo server, string subject, Stream file, string fileName)
        {
            var attachment = new MimePart("application", "octet-stream")
            {
                Content = new MimeContent(file),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = fileName,
            };
            var body = new Multipart("mixed") { new TextPart("plain") { Text = "See the attachment." }, attachment };
            return new MimeMessage(new[] { MailboxAddress.Parse(server.User) }, new[] { MailboxAddress.Parse(server.DiscardRecipient) }, subject, body);
        }

        // The chain must end at our CA and the name must match: the same judgement our engine makes, so neither side skips work.
        private static bool TrustedBy(X509Certificate2 ca, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
        {
            if (certificate == null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presented != null)
            {
                foreach (var element in presented.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
        }
    }
}
