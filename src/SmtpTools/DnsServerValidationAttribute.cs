using System.Management.Automation;
using SmtpTools.Discovery;

namespace SmtpTools.Commands
{
    /// <summary>Checks -DnsServer at parameter binding, before any network I/O: IP addresses with an optional port only.</summary>
    internal sealed class DnsServerValidationAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var values = arguments is PSObject pso ? pso.BaseObject : arguments;
            foreach (var value in values as System.Collections.IEnumerable ?? new[] { values })
            {
                var text = (value is PSObject item ? item.BaseObject : value)?.ToString();
                if (!DnsServerAddress.TryParse(text, out _, out var problem))
                {
                    throw new ValidationMetadataException($"'{text}' is not a DNS server: {problem}, for example 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:5353.");
                }
            }
        }
    }
}
