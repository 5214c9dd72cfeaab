using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace SmtpTools.DomainSecurity
{
    /// <summary>
    /// Matches TLSA records (RFC 6698 2.1) against the chain an MX presented, as RFC 7672 3.1 asks of SMTP: only
    /// DANE-TA(2) and DANE-EE(3) are usable; selectors Cert(0) and SPKI(1); matching types Full(0), SHA2-256(1),
    /// SHA2-512(2). DANE-EE ignores names and dates (RFC 7672 3.1.1); DANE-TA needs the trust anchor in the chain the
    /// leaf builds to, and the leaf valid for the MX host name (RFC 7672 3.2.3).
    /// </summary>
    internal static class DaneMatcher
    {
        /// <summary>One TLSA record's fields.</summary>
        internal readonly struct Tlsa
        {
            public Tlsa(byte usage, byte selector, byte matchingType, byte[] data)
            {
                Usage = usage;
                Selector = selector;
                MatchingType = matchingType;
                Data = data;
            }

            public byte Usage { get; }

            public byte Selector { get; }

            public byte MatchingType { get; }

            public byte[] Data { get; }

            /// <summary>RFC 7672 3.1: usages 2 and 3 with known selector and matching type.</summary>
            public bool IsUsable => (Usage == 2 || Usage == 3) && Selector <= 1 && MatchingType <= 2;

            public override string ToString() =>
                $"{Usage} {Selector} {MatchingType} {BitConverter.ToString(Data).Replace("-", string.Empty).ToLowerInvariant()}";
        }

        /// <summary>The first usable record that matches <paramref name="presented"/> (leaf first), or null.</summary>
        public static Tlsa? FindMatch(IEnumerable<Tlsa> records, IReadOnlyList<X509Certificate2> presented, bool leafNameMatches)
        {
            if (presented.Count == 0)
            {
                return null;
            }

            var leaf = presented[0];
            foreach (var record in records.Where(r => r.IsUsable))
            {
                if (record.Usage == 3 && Matches(record, leaf))
                {
                    return record;
                }

                if (record.Usage == 2 && leafNameMatches && BuildsTo(leaf, presented).Skip(1).Any(anchor => Matches(record, anchor)))
                {
                    return record;
                }
            }

            return null;
        }

        private static bool Matches(Tlsa record, X509Certificate2 certificate)
        {
            var selected = record.Selector == 0 ? certificate.RawData : SubjectPublicKeyInfo(certificate);
            byte[] digest;
            switch (record.MatchingType)
            {
                case 0:
                    digest = selected;
                    break;
                case 1:
                    using (var sha = SHA256.Create())
                    {
                        digest = sha.ComputeHash(selected);
                    }

                    break;
                default:
                    using (var sha = SHA512.Create())
                    {
                        digest = sha.ComputeHash(selected);
                    }

                    break;
            }

            return digest.Length == record.Data.Length && digest.SequenceEqual(record.Data);
        }

        // The certificates the leaf's chain is built from, out of what the server presented only: a trust anchor counts
        // when the leaf chains to it by signature, not merely because the server sent it.
        private static IReadOnlyList<X509Certificate2> BuildsTo(X509Certificate2 leaf, IReadOnlyList<X509Certificate2> presented)
        {
            using (var chain = new X509Chain())
            {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllFlags;
                Tls.CertificateInspector.DisableCertificateDownloads(chain.ChainPolicy);
                foreach (var certificate in presented.Skip(1))
                {
                    chain.ChainPolicy.ExtraStore.Add(certificate);
                }

                chain.Build(leaf);
                return chain.ChainElements.Cast<X509ChainElement>()
                    .Select(e => e.Certificate)
                    .Where(c => presented.Any(p => p.Thumbprint == c.Thumbprint))
                    .ToList();
            }
        }

        private static byte[] SubjectPublicKeyInfo(X509Certificate2 certificate) =>
            X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(certificate.RawData)).SubjectPublicKeyInfo.GetDerEncoded();
    }
}
