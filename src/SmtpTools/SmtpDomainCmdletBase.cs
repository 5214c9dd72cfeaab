using System;
using System.Management.Automation;

namespace SmtpTools.Commands
{
    /// <summary>
    /// What the cmdlets that start from a domain share (Resolve-SmtpServer, Test-SmtpDomain): -Domain, by value or by
    /// property name (Domain, DomainName, EmailAddress), checked before any lookup, and the domain of an e-mail address.
    /// </summary>
    public abstract class SmtpDomainCmdletBase : SmtpCmdletBase
    {
        /// <summary>Domains, or e-mail addresses whose domain is used; from the pipeline by value or by property name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("DomainName", "EmailAddress")]
        [ValidateNotNullOrEmpty]
        [ValidatePattern(@"^([^@\s]+@)?[A-Za-z0-9_]([A-Za-z0-9_\-\.]{0,252})\z")]
        public string[] Domain { get; set; } = Array.Empty<string>();

        /// <summary>The domain of a -Domain argument: "alice@example.com" gives "example.com"; a trailing dot is dropped.</summary>
        protected static string DomainOf(string entry)
        {
            var at = entry.LastIndexOf('@');
            return (at < 0 ? entry : entry.Substring(at + 1)).Trim().TrimEnd('.');
        }
    }
}
