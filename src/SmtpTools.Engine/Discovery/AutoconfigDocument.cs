using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml;
using System.Xml.Linq;

namespace SmtpTools.Discovery
{
    /// <summary>
    /// The outgoing (SMTP) servers of a Thunderbird autoconfig document, config-v1.1.xml
    /// (https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat). No DTDs, no external entities.
    /// </summary>
    internal static class AutoconfigDocument
    {
        /// <summary>Each outgoing server: host (placeholders filled in), port and socket type, in document order.</summary>
        /// <exception cref="AutoconfigException">The document is not XML or not an autoconfig document.</exception>
        public static IReadOnlyList<(string Host, int Port, SmtpPublishedSecurity Security, string SocketType)> OutgoingServers(string xml, string domain, Uri uri)
        {
            XDocument document;
            try
            {
                var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = SmtpDiscoveryOptions.MaxAutoconfigBytes };
                using (var reader = XmlReader.Create(new StringReader(xml.Trim()), settings))
                {
                    document = XDocument.Load(reader);
                }
            }
            catch (XmlException e)
            {
                throw new AutoconfigException(uri, "it is not valid XML: " + e.Message, e);
            }

            if (document.Root?.Name.LocalName != "clientConfig")
            {
                throw new AutoconfigException(uri, "it is not an autoconfig document (no clientConfig element)");
            }

            var servers = new List<(string, int, SmtpPublishedSecurity, string)>();
            foreach (var server in document.Descendants().Where(e => e.Name.LocalName == "outgoingServer" && (string?)e.Attribute("type") == "smtp"))
            {
                var host = Child(server, "hostname").Replace("%EMAILDOMAIN%", domain).Trim().TrimEnd('.');
                var socketType = Child(server, "socketType");
                if (host.Length == 0 || Probing.HostNameSyntax.FindProblem(host) != null
                    || !int.TryParse(Child(server, "port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535)
                {
                    continue; // an entry no client could use
                }

                servers.Add((host, port, SecurityOf(socketType), socketType));
            }

            return servers;
        }

        private static SmtpPublishedSecurity SecurityOf(string socketType)
        {
            switch (socketType.ToUpperInvariant())
            {
                case "SSL": return SmtpPublishedSecurity.ImplicitTls;
                case "STARTTLS": return SmtpPublishedSecurity.StartTls;
                default: return SmtpPublishedSecurity.Plain;
            }
        }

        private static string Child(XElement element, string name) =>
            element.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim() ?? string.Empty;
    }
}
