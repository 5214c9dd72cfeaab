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

        private static Encoding FromName(string name)
        {
            switch (name.ToUpperInvariant())
            {
                case "UTF8":
                case "UTF8BOM":
                case "UTF8NOBOM":
                case "DEFAULT":
                    return new UTF8Encoding(false);
                case "ASCII":
                    return Encoding.ASCII;
                case "UNICODE":
                    return Encoding.Unicode;
                case "BIGENDIANUNICODE":
                    return Encoding.BigEndianUnicode;
                case "UTF32":
                    return Encoding.UTF32;
                case "UTF7":
                    throw new ArgumentTransformationMetadataException("UTF-7 is obsolete and unsafe; use UTF8.");
                case "LATIN1":
                    return Encoding.GetEncoding(28591);
                case "OEM":
                    return FromCodePage(CultureInfo.CurrentCulture.TextInfo.OEMCodePage);
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
