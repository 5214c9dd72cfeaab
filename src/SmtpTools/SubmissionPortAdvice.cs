namespace SmtpTools.Commands
{
    /// <summary>
    /// What to say when port 25, Send-MailMessage's default and ours, refuses the connection: most submission servers
    /// take mail from clients on 465 or 587 only, and Test-SmtpPort -Recommended finds which.
    /// </summary>
    internal static class SubmissionPortAdvice
    {
        /// <summary>The advice for a refused connection to <paramref name="port"/> of <paramref name="host"/>, or null when there is none beyond the error itself.</summary>
        public static string? WhenRefused(string host, int port) =>
            port != 25 ? null
            : $"Port 25 (the default, as in Send-MailMessage) is for relay between servers; mail submission uses 465 (implicit TLS) or 587 (STARTTLS), RFC 8314. 'Test-SmtpPort {host} -Recommended' finds the one this server offers; then give it with -Port.";
    }
}
