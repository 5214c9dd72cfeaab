using System;
using SmtpTools.DomainSecurity;
using Xunit;

namespace SmtpTools.Engine.Tests
{
    /// <summary>The text formats of MTA-STS (RFC 8461 3.1, 3.2, 4.1) and TLS-RPT (RFC 8460 3), as senders read them.</summary>
    public sealed class TransportPolicySyntaxTests
    {
        [Theory]
        [InlineData("mail.example.com", "mail.example.com", true)]
        [InlineData("MAIL.example.com.", "mail.EXAMPLE.com", true)]
        [InlineData("*.example.com", "mx1.example.com", true)]
        [InlineData("*.example.com", "a.b.example.com", false)] // a wildcard covers one label only
        [InlineData("*.example.com", "example.com", false)]
        [InlineData("mail.example.com", "mail.example.net", false)]
        public void Mx_patterns_match_exact_names_and_one_label_wildcards(string pattern, string host, bool matches) =>
            Assert.Equal(matches, TransportPolicySyntax.MxMatches(pattern, host));

        [Theory]
        [InlineData("v=STSv1; id=20160831085700Z;", "20160831085700Z")]
        [InlineData("v=STSv1;id=abc123", "abc123")]
        public void Sts_record_gives_its_id(string record, string id) =>
            Assert.Equal(id, TransportPolicySyntax.StsRecordId(record, out _));

        [Theory]
        [InlineData("v=STSv1;", "no id field")]
        [InlineData("id=1; v=STSv1", "does not start with v=STSv1")]
        [InlineData("v=STSv1; id=has-hyphen", "not 1-32 letters and digits")]
        [InlineData("v=STSv1; id=123456789012345678901234567890123", "not 1-32 letters and digits")]
        [InlineData("v=STSv1; id=1; id=2", "more than one id field")]
        public void Sts_record_without_one_valid_id_is_refused_with_the_reason(string record, string problem)
        {
            Assert.Null(TransportPolicySyntax.StsRecordId(record, out var why));
            Assert.Contains(problem, why);
        }

        [Fact]
        public void Tls_rpt_record_gives_its_mailto_and_https_targets() =>
            Assert.Equal(new[] { "mailto:tlsrpt@example.com", "https://reporting.example.com/v1" },
                TransportPolicySyntax.TlsRptTargets("v=TLSRPTv1; rua=mailto:tlsrpt@example.com, https://reporting.example.com/v1", out _));

        [Theory]
        [InlineData("v=TLSRPTv1;", "no rua field")]
        [InlineData("v=TLSRPTv1; rua=ftp://example.com", "neither a mailto: nor an https: URI")]
        [InlineData("v=TLSRPTv1; rua=mailto:a@example.com\u001b[2J", "neither a mailto: nor an https: URI")]
        [InlineData("v=STSv1; rua=mailto:a@example.com", "does not start with v=TLSRPTv1")]
        public void Tls_rpt_record_that_senders_cannot_use_is_refused_with_the_reason(string record, string problem)
        {
            Assert.Null(TransportPolicySyntax.TlsRptTargets(record, out var why));
            Assert.Contains(problem, why);
        }

        [Fact]
        public void Policy_gives_mode_max_age_and_mx_patterns_and_ignores_unknown_keys()
        {
            var policy = new MtaStsPolicy();

            Assert.True(TransportPolicySyntax.ParsePolicy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nextension: x\r\nmax_age: 604800\r\n", policy));
            Assert.Equal(MtaStsMode.Enforce, policy.Mode);
            Assert.Equal(TimeSpan.FromDays(7), policy.MaxAge);
            Assert.Equal(new[] { "mail.example.com", "*.example.net" }, policy.MxPatterns);
        }

        [Theory]
        [InlineData("mode: enforce\nmx: a.example.com\nmax_age: 86400\n", "version: STSv1")]
        [InlineData("version: STSv1\nmode: strict\nmx: a.example.com\nmax_age: 86400\n", "not enforce, testing or none")]
        [InlineData("version: STSv1\nmode: enforce\nmx: a.example.com\nmax_age: 31557601\n", "max_age")]
        [InlineData("version: STSv1\nmode: enforce\nmax_age: 86400\n", "names no mx")]
        [InlineData("version: STSv1\nmode: enforce\nmx: *.*.example.com\nmax_age: 86400\n", "mx pattern")]
        public void Policy_that_senders_cannot_use_is_refused_with_the_reason(string text, string problem)
        {
            var policy = new MtaStsPolicy();

            Assert.False(TransportPolicySyntax.ParsePolicy(text, policy));
            Assert.Contains(problem, policy.Problem);
        }
    }
}
