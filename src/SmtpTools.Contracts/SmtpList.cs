using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace SmtpTools
{
    /// <summary>
    /// A read-only list whose string form lists its items ("a@example.com; b@example.com"), so that Export-Csv,
    /// string expansion and the default views show what a result holds rather than a type name
    /// ("SmtpTools.SmtpFinding[]"). ConvertTo-Json writes it as a JSON array, as any list.
    /// </summary>
    /// <typeparam name="T">The item type.</typeparam>
    public sealed class SmtpList<T> : ReadOnlyCollection<T>
    {
        /// <summary>The empty list.</summary>
        public static readonly SmtpList<T> Empty = new SmtpList<T>(Array.Empty<T>());

        private SmtpList(IList<T> items)
            : base(items)
        {
        }

        /// <summary>The items as a list of this type (the same instance when it already is one; empty for null).</summary>
        public static SmtpList<T> From(IEnumerable<T>? items)
        {
            switch (items)
            {
                case null:
                    return Empty;
                case SmtpList<T> list:
                    return list;
                default:
                    var copy = items.ToArray();
                    return copy.Length == 0 ? Empty : new SmtpList<T>(copy);
            }
        }

        /// <summary>The items' own string forms, separated by "; ".</summary>
        public override string ToString() => string.Join("; ", this.Select(item => item?.ToString() ?? string.Empty));
    }
}
