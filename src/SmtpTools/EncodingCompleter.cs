using System.Collections.Generic;
using System.Linq;

namespace SmtpTools.Commands
{
    /// <summary>Tab completion for -Encoding: the names -Encoding understands, each with what it gives.</summary>
    public sealed class EncodingCompleter : ValueCompleter
    {
        /// <inheritdoc />
        protected override IEnumerable<(string Value, string Meaning)> Values() =>
            EncodingTransformationAttribute.KnownNames.Select(e => (e.Name, e.Meaning));
    }
}
