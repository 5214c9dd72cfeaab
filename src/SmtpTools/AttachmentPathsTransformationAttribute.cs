using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace SmtpTools.Commands
{
    /// <summary>
    /// -Attachments takes pipeline input by value as Send-MailMessage's does (paths and Get-ChildItem's files), without
    /// Send-MailMessage's trap: PowerShell binds a pipeline object by value before it binds by property name, and
    /// would otherwise turn a whole CSV row that has no Attachments column into the path "@{To=...; Subject=...}".
    /// So: a string is a path; a file (or any provider item) is its PSPath; a list is each of its entries; any other
    /// object (a CSV row, another cmdlet's result) contributes its own Attachments (or PSPath) property, or nothing.
    /// Empty entries mean "not given". Always returns a string[].
    /// </summary>
    internal sealed class AttachmentPathsTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var paths = new List<string>();
            Collect(inputData, paths, 0);
            return paths.ToArray();
        }

        private static void Collect(object? input, List<string> paths, int depth)
        {
            if (input == null || depth > 4)
            {
                return;
            }

            var wrapper = input as PSObject;
            var value = wrapper != null ? wrapper.BaseObject : input;
            switch (value)
            {
                case string text:
                    if (text.Trim().Length > 0)
                    {
                        paths.Add(text);
                    }

                    return;
                case FileSystemInfo file:
                    paths.Add(ProviderPath(wrapper) ?? file.FullName);
                    return;
                case IDictionary _:
                    return;
                case IEnumerable items:
                    foreach (var item in items)
                    {
                        Collect(item, paths, depth + 1);
                    }

                    return;
            }

            var row = wrapper ?? PSObject.AsPSObject(value);
            var property = row.Properties["Attachments"] ?? row.Properties["PSPath"];
            if (property != null)
            {
                Collect(SafeValue(property), paths, depth + 1);
            }
        }

        private static string? ProviderPath(PSObject? item) => item?.Properties["PSPath"] is PSPropertyInfo path ? SafeValue(path) as string : null;

        private static object? SafeValue(PSPropertyInfo property)
        {
            try
            {
                return property.Value;
            }
            catch (GetValueException)
            {
                return null;
            }
        }
    }
}
