using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace SmtpTools.Commands
{
    /// <summary>
    /// An empty value means "not given": a blank cell of an optional Import-Csv column (or an empty string, or a list
    /// of nothing but empty strings) binds as the parameter's default instead of failing validation or sending an
    /// empty header. Lists lose their empty entries ("a@example.com," from a CSV cell keeps one address).
    /// </summary>
    internal sealed class NotGivenWhenEmptyAttribute : ArgumentTransformationAttribute
    {
        /// <summary>A string or string[] parameter: empty becomes null, or an empty list for an array.</summary>
        public NotGivenWhenEmptyAttribute()
        {
        }

        /// <param name="notGiven">What the parameter holds when it is not given (its default: 25 for -Port, Normal for -Priority).</param>
        public NotGivenWhenEmptyAttribute(object notGiven) => NotGiven = notGiven;

        /// <summary>The value an empty input becomes.</summary>
        public object? NotGiven { get; }

        /// <summary>The parameter is a string array: empty becomes an empty array, and empty entries are dropped.</summary>
        public bool IsList { get; set; }

        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            if (IsBlank(value))
            {
                return IsList ? Array.Empty<string>() : NotGiven;
            }

            if (IsList && value is IEnumerable items && !(value is string))
            {
                var kept = new List<object>();
                foreach (var item in items)
                {
                    if (!IsBlank(item is PSObject wrapped ? wrapped.BaseObject : item))
                    {
                        kept.Add(item);
                    }
                }

                return kept.Count == 0 ? Array.Empty<string>() : (object)kept.ToArray();
            }

            return inputData;
        }

        internal static bool IsBlank(object? value)
        {
            switch (value)
            {
                case null:
                    return true;
                case string text:
                    return text.Trim().Length == 0;
                case IEnumerable items:
                    foreach (var item in items)
                    {
                        if (!IsBlank(item is PSObject wrapped ? wrapped.BaseObject : item))
                        {
                            return false;
                        }
                    }

                    return true;
                default:
                    return false;
            }
        }
    }
}
