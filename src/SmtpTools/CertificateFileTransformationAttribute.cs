using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmtpTools.Commands
{
    /// <summary>
    /// Lets a certificate parameter take X509Certificate2 objects or paths to PEM/DER files (a private CA's
    /// certificate as admins keep it), so "-TrustedCertificate ./ca.pem" works. A bad path fails at binding, before
    /// any network I/O.
    /// </summary>
    internal sealed class CertificateFileTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            var certificates = new List<X509Certificate2>();
            foreach (var item in Flatten(inputData))
            {
                switch (item)
                {
                    case X509Certificate2 certificate:
                        certificates.Add(certificate);
                        break;
                    case string path:
                        certificates.AddRange(Load(engineIntrinsics, path));
                        break;
                    case FileInfo file:
                        certificates.AddRange(Load(engineIntrinsics, file.FullName));
                        break;
                    default:
                        throw new ArgumentTransformationMetadataException($"'{item}' is neither a certificate nor a path to a certificate file.");
                }
            }

            return certificates.ToArray();
        }

        private static IEnumerable<object> Flatten(object input)
        {
            var value = input is PSObject pso ? pso.BaseObject : input;
            if (value is IEnumerable sequence && !(value is string))
            {
                foreach (var item in sequence)
                {
                    yield return item is PSObject p ? p.BaseObject : item;
                }
            }
            else if (value != null)
            {
                yield return value;
            }
        }

        private static IEnumerable<X509Certificate2> Load(EngineIntrinsics engine, string path)
        {
            string full;
            try
            {
                full = engine.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            }
            catch (Exception e) when (e is ItemNotFoundException || e is ProviderNotFoundException || e is System.Management.Automation.DriveNotFoundException || e is NotSupportedException)
            {
                throw new ArgumentTransformationMetadataException($"Cannot read the certificate file '{path}': {e.Message}", e);
            }

            if (!File.Exists(full))
            {
                throw new ArgumentTransformationMetadataException($"The certificate file '{full}' does not exist.");
            }

            try
            {
                var bytes = File.ReadAllBytes(full);
                var text = Encoding.ASCII.GetString(bytes);
                if (text.Contains("-----BEGIN CERTIFICATE-----"))
                {
                    return ReadPemBlocks(text);
                }

                return new[] { new X509Certificate2(bytes) };
            }
            catch (Exception e) when (e is CryptographicException || e is FormatException || e is IOException || e is UnauthorizedAccessException)
            {
                throw new ArgumentTransformationMetadataException($"'{full}' is not a readable certificate file (PEM or DER): {e.Message}", e);
            }
        }

        // Every certificate block in a PEM bundle; netstandard2.0 has no PEM reader of its own.
        private static IEnumerable<X509Certificate2> ReadPemBlocks(string text)
        {
            const string begin = "-----BEGIN CERTIFICATE-----";
            const string end = "-----END CERTIFICATE-----";
            var result = new List<X509Certificate2>();
            var at = text.IndexOf(begin, StringComparison.Ordinal);
            while (at >= 0)
            {
                var stop = text.IndexOf(end, at, StringComparison.Ordinal);
                if (stop < 0)
                {
                    throw new FormatException("A PEM certificate block has no END line.");
                }

                var body = text.Substring(at + begin.Length, stop - at - begin.Length);
                result.Add(new X509Certificate2(Convert.FromBase64String(body.Replace("\r", string.Empty).Replace("\n", string.Empty).Trim())));
                at = text.IndexOf(begin, stop, StringComparison.Ordinal);
            }

            return result;
        }
    }
}
