using Xunit;

namespace SmtpTools.Engine.Tests
{
    public sealed class SmtpExtensionsTests
    {
        [Fact]
        public void Parses_the_extensions_Postfix_advertises()
        {
            var ext = SmtpExtensions.Parse(new[]
            {
                "mail.smtptools.test", "PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS",
                "AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING",
            });

            Assert.Equal("mail.smtptools.test", ext.GreetingName);
            Assert.Equal(10240000, ext.SizeLimit);
            Assert.True(ext.StartTls && ext.Pipelining && ext.EightBitMime && ext.Dsn && ext.SmtpUtf8 && ext.Chunking && ext.EnhancedStatusCodes);
            Assert.False(ext.RequireTls || ext.BinaryMime);
            Assert.Equal(new[] { "PLAIN", "LOGIN" }, ext.AuthMechanisms);
            Assert.Equal(12, ext.Keywords.Count);
        }

        [Fact]
        public void Size_without_a_number_means_no_fixed_limit_and_no_size_means_unknown()
        {
            Assert.Equal(0, SmtpExtensions.Parse(new[] { "x", "SIZE" }).SizeLimit);
            Assert.Null(SmtpExtensions.Parse(new[] { "x" }).SizeLimit);
        }
    }
}
