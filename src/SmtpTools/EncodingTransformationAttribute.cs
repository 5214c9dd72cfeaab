using System;
using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Lets -Encoding take an Encoding object or the names Send-MailMessage scripts use ('UTF8', 'utf8NoBOM',
    /// 'ASCII', 'Unicode', 'UTF32', 'BigEndianUnicode', 'Latin1', 'Default', 'OEM'), a web name ('iso-8859-1')
    /// or a code page number.
    /// </summary>
    internal sealed class EncodingTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var value = inputData is PSObject pso ? pso.BaseObject : inputData;
            switch (value)
            {
                case Encoding encoding:
                    return encoding;
                case int codePage:
                    return FromCodePage(codePage);
                case string name:
                    return FromName(name.Trim());
                default:
                    return inputData;
            }
        }

        /// <summary>The names Send-MailMessage scripts use, each with what it gives; -Encoding completes them.</summary>
        internal static readonly (string Name, string Meaning, Func<Encoding> Create)[] KnownNames =
        {
            ("UTF8", "UTF-8 without a byte order mark: the default, and right for mail.", () => new UTF8Encoding(false)),
            ("utf8NoBOM", "UTF-8 without a byte order mark (the same as UTF8 here).", () => new UTF8Encoding(false)),
            ("utf8BOM", "UTF-8; mail never carries a byte order mark, so the same as UTF8 here.", () => new UTF8Encoding(false)),
            ("ASCII", "7-bit US-ASCII: fails on any other character.", () => Encoding.ASCII),
            ("Latin1", "ISO-8859-1, for old systems that cannot read UTF-8.", () => Encoding.GetEncoding(28591)),
            ("Unicode", "UTF-16 little endian (rarely understood by mail clients).", () => Encoding.Unicode),
            ("BigEndianUnicode", "UTF-16 big endian (rarely understood by mail clients).", () => Encoding.BigEndianUnicode),
            ("UTF32", "UTF-32 (rarely understood by mail clients).", () => Encoding.UTF32),
            ("OEM", "The console's OEM code page on this machine.", () => FromCodePage(CultureInfo.CurrentCulture.TextInfo.OEMCodePage)),
            ("Default", "UTF-8, as PowerShell 7's default.", () => new UTF8Encoding(false)),
        };

        private static Encoding FromName(string name)
        {
            if (string.Equals(name, "UTF7", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentTransformationMetadataException("UTF-7 is obsolete and unsafe; use UTF8.");
            }

            foreach (var known in KnownNames)
            {
                if (string.Equals(name, known.Name, StringComparison.OrdinalIgnoreCase))
                {
                    return known.Create();
                }
            }

            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var codePage))
            {
                return FromCodePage(codePage);
            }

            try
            {
                return Encoding.GetEncoding(name);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentTransformationMetadataException($"'{name}' is not an encoding name: use UTF8, ASCII, Unicode, UTF32, BigEndianUnicode, Latin1, or a name such as iso-8859-1.", e);
            }
        }

        private static Encoding FromCodePage(int codePage)
        {
            try
            {
                return Encoding.GetEncoding(codePage);
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException)
            {
                throw new ArgumentTransformationMetadataException($"Code page {codePage} is not available here.", e);
            }
        }
    }
}
