using System;
using System.Reflection;
using Microsoft.PowerShell.Commands.Internal.Format;

namespace SmtpTools.Host
{
    /// <summary>
    /// The one non-public step pwsh's Format-List and Format-Table take: their constructors set
    /// <c>FrontEndCommandBase.implementation</c> to an <c>InnerFormatShapeCommand</c> of their shape. Both are internal
    /// to System.Management.Automation, so we set them by reflection; a PowerShell release that renames them fails here,
    /// loudly, on the first Format-List or Format-Table.
    /// </summary>
    internal static class InnerFormatShape
    {
        private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

        public static void Attach(FrontEndCommandBase command, string shape)
        {
            var engine = typeof(FrontEndCommandBase).Assembly;
            var shapeType = engine.GetType("Microsoft.PowerShell.Commands.Internal.Format.FormatShape", throwOnError: true)!;
            var innerType = engine.GetType("Microsoft.PowerShell.Commands.Internal.Format.InnerFormatShapeCommand", throwOnError: true)!;
            var field = typeof(FrontEndCommandBase).GetField("implementation", Instance)
                ?? throw new MissingFieldException(typeof(FrontEndCommandBase).FullName, "implementation");
            var inner = Activator.CreateInstance(innerType, Instance, null, new[] { Enum.Parse(shapeType, shape) }, null);
            field.SetValue(command, inner);
        }
    }
}
