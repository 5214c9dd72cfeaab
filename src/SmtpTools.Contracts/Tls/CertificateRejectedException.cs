using System;

namespace SmtpTools
{
    /// <summary>Carries the verdict on a certificate that failed verification, so callers can show why.</summary>
    public sealed class CertificateRejectedException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public CertificateRejectedException(SmtpCertificateInfo certificate, Exception? innerException = null)
            : base($"Certificate rejected: {certificate.Verdict}", innerException)
        {
            Certificate = certificate;
        }

        /// <summary>The certificate and the verdict on it.</summary>
        public SmtpCertificateInfo Certificate { get; }
    }
}
