using System;
using System.Linq;
using SmtpTools.Discovery;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The outgoing servers of a Thunderbird config-v1.1.xml, and what is refused in one.</summary>
    public sealed class AutoconfigDocumentTests
    {
        private static readonly Uri Source = new Uri("https://autoconfig.example.com/mail/config-v1.1.xml");

        [Fact]
        public void Reads_outgoing_servers_in_document_order_with_their_socket_types()
        {
            var servers = AutoconfigDocument.OutgoingServers(Document(
                Outgoing("smtp.%EMAILDOMAIN%", "465", "SSL"), Outgoing("smtp.example.com", "587", "STARTTLS"), Outgoing("smtp.example.com", "25", "plain")),
                "example.com", Source);

            Assert.Equal(new[] { ("smtp.example.com", 465, SmtpPublishedSecurity.ImplicitTls), ("smtp.example.com", 587, SmtpPublishedSecurity.StartTls), ("smtp.example.com", 25, SmtpPublishedSecurity.Plain) },
                servers.Select(s => (s.Host, s.Port, s.Security)).ToArray());
        }

        [Fact]
        public void Ignores_incoming_servers_and_entries_no_client_could_use()
        {
            var servers = AutoconfigDocument.OutgoingServers(Document(
                "<incomingServer type=\"imap\"><hostname>imap.example.com</hostname><port>993</port><socketType>SSL</socketType></incomingServer>",
                Outgoing("smtp.example.com", "0", "SSL"), Outgoing("smtp example.com", "465", "SSL"), Outgoing("smtp.example.com", "465", "SSL")),
                "example.com", Source);

            Assert.Equal(("smtp.example.com", 465), servers.Select(s => (s.Host, s.Port)).Single());
        }

        [Fact]
        public void Refuses_a_document_with_a_DTD()
        {
            var xml = "<?xml version=\"1.0\"?><!DOCTYPE clientConfig [<!ENTITY x \"y\">]><clientConfig version=\"1.1\"/>";

            var e = Assert.Throws<AutoconfigException>(() => AutoconfigDocument.OutgoingServers(xml, "example.com", Source));
            Assert.Contains("not valid XML", e.Message);
        }

        [Fact]
        public void Refuses_xml_that_is_not_an_autoconfig_document()
        {
            var e = Assert.Throws<AutoconfigException>(() => AutoconfigDocument.OutgoingServers("<html><body>Not found</body></html>", "example.com", Source));

            Assert.Contains("clientConfig", e.Message);
            Assert.Contains(Source.ToString(), e.Message);
        }

        private static string Document(params string[] servers) =>
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><clientConfig version=\"1.1\"><emailProvider id=\"example.com\"><domain>example.com</domain>"
            + string.Concat(servers) + "</emailProvider></clientConfig>";

        private static string Outgoing(string host, string port, string socketType) =>
            $"<outgoingServer type=\"smtp\"><hostname>{host}</hostname><port>{port}</port><socketType>{socketType}</socketType></outgoingServer>";
    }
}
