using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;

namespace SmtpTools.Module.Tests
{
    /// <summary>Reading results the way a script does: by property name, through the adapter.</summary>
    public static class PSObjectExtensions
    {
        /// <summary>A property's value (dotted paths allowed: "Certificate.Verdict"); fails the test if a name is missing.</summary>
        public static object? Get(this PSObject obj, string path)
        {
            object? current = obj;
            foreach (var name in path.Split('.'))
            {
                if (current is null)
                {
                    return null;
                }

                var wrapped = current as PSObject ?? PSObject.AsPSObject(current);
                var property = wrapped.Properties[name] ?? throw new Xunit.Sdk.XunitException($"{wrapped.BaseObject.GetType().Name} has no property '{name}'.");
                current = property.Value;
            }

            return current is PSObject pso ? pso.BaseObject : current;
        }

        /// <summary>A property's value as text (enums by name).</summary>
        public static string? Text(this PSObject obj, string path) => obj.Get(path)?.ToString();

        /// <summary>A collection property's items as text.</summary>
        public static string[] Texts(this PSObject obj, string path) =>
            obj.Get(path) is IEnumerable items && obj.Get(path) is not string
                ? items.Cast<object?>().Select(i => (i is PSObject p ? p.BaseObject : i)?.ToString() ?? string.Empty).ToArray()
                : Array.Empty<string>();

        /// <summary>The .NET type name of the object, as the format system matches it.</summary>
        public static string TypeName(this PSObject obj) => obj.BaseObject.GetType().FullName!;
    }
}
