package org.stirshield.sign;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.stirshield.cert.TnAuthList;

/**
 * A certificate authority for tests and the demo PKI: an STI-CA root, intermediates, and SHAKEN leaves
 * with real TNAuthList extensions (RFC 8226), plus CRLs (RFC 5280 §5). Profile after ATIS-1000080
 * §6.4.1: basicConstraints critical, keyUsage critical, SKI and AKI.
 */
public final class CertificateAuthority {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final KeyPair keyPair;
    private final KeyType keyType;
    /** This CA's certificate and its issuers' up to but excluding the root; empty for a root. */
    private final List<X509Certificate> intermediates;

    private CertificateAuthority(X509Certificate certificate, KeyPair keyPair, KeyType keyType,
            List<X509Certificate> intermediates) {
        this.certificate = certificate;
        this.keyPair = keyPair;
        this.keyType = keyType;
        this.intermediates = List.copyOf(intermediates);
    }

    /** A self-signed EC P-256 root. */
    public static CertificateAuthority root(String commonName, Instant notBefore, Instant notAfter) {
        return root(commonName, notBefore, notAfter, KeyType.EC_P256);
    }

    /** A self-signed root with the given key type (real STI-CAs exist with RSA roots). */
    public static CertificateAuthority root(String commonName, Instant notBefore, Instant notAfter, KeyType type) {
        KeyPair kp = type.generate();
        X500Name name = name(commonName);
        X509Certificate cert = build(name, kp.getPublic(), name, kp.getPrivate(), kp.getPublic(), type,
                notBefore, notAfter, null, true, KeyUsage.keyCertSign | KeyUsage.cRLSign, null, null);
        return new CertificateAuthority(cert, kp, type, List.of());
    }

    /** A root valid from a day ago for ten years. */
    public static CertificateAuthority root(String commonName) {
        Instant now = Instant.now();
        return root(commonName, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(3650)));
    }

    /** An intermediate CA issued by this CA. */
    public CertificateAuthority intermediate(String commonName, Instant notBefore, Instant notAfter) {
        KeyPair kp = KeyType.EC_P256.generate();
        X509Certificate cert = build(name(commonName), kp.getPublic(), subject(), keyPair.getPrivate(),
                keyPair.getPublic(), keyType, notBefore, notAfter, null, true,
                KeyUsage.keyCertSign | KeyUsage.cRLSign, null, null);
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(cert);
        chain.addAll(intermediates);
        return new CertificateAuthority(cert, kp, KeyType.EC_P256, chain);
    }

    /** An intermediate valid from a day ago for five years. */
    public CertificateAuthority intermediate(String commonName) {
        Instant now = Instant.now();
        return intermediate(commonName, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(1825)));
    }

    /** An end-entity (or, with {@link LeafSpec#withCa}, CA) certificate issued by this CA. */
    public LeafCertificate issueLeaf(LeafSpec spec) {
        KeyPair kp = spec.keyType().generate();
        byte[] tnAuthList = null;
        if (spec.withTnAuthList()) {
            tnAuthList = spec.rawTnAuthList() != null ? spec.rawTnAuthList()
                    : TnAuthListEncoder.encode(new TnAuthList(spec.spcs(), spec.ranges(), spec.numbers()));
        }
        X509Certificate cert = build(name(spec.commonName()), kp.getPublic(), subject(), keyPair.getPrivate(),
                keyPair.getPublic(), keyType, spec.notBefore(), spec.notAfter(), spec.serial(), spec.ca(),
                spec.keyUsage(), tnAuthList, spec.crlDistributionPoint());
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(cert);
        chain.addAll(intermediates);
        return new LeafCertificate(cert, kp.getPrivate(), chain);
    }

    /** A CRL issued by this CA revoking the given serial numbers (RFC 5280 §5, DER via {@link X509CRL#getEncoded()}). */
    public X509CRL crl(Instant thisUpdate, Instant nextUpdate, BigInteger... revokedSerials) {
        try {
            X509v2CRLBuilder b = new X509v2CRLBuilder(subject(), Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            for (BigInteger serial : revokedSerials) {
                b.addCRLEntry(serial, Date.from(thisUpdate), CRLReason.keyCompromise);
            }
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    utils.createAuthorityKeyIdentifier(keyPair.getPublic()));
            ContentSigner signer = new JcaContentSignerBuilder(keyType.signatureAlgorithm()).build(keyPair.getPrivate());
            return new JcaX509CRLConverter().getCRL(b.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build CRL", e);
        }
    }

    /**
     * Treats an issued certificate as an issuer, whatever its basicConstraints say: for path tests such
     * as "a leaf issued by another leaf" (CRT-06). The key must be EC P-256.
     */
    public static CertificateAuthority of(LeafCertificate issued) {
        KeyPair kp = new KeyPair(issued.certificate().getPublicKey(), issued.privateKey());
        return new CertificateAuthority(issued.certificate(), kp, KeyType.EC_P256, issued.chain());
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    /** This CA's certificate and its issuers' up to, not including, the root (empty for a root). */
    public List<X509Certificate> intermediates() {
        return intermediates;
    }

    private X500Name subject() {
        return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }

    private static X500Name name(String commonName) {
        return new X500Name("CN=" + commonName.replace(",", "\\,") + ",O=StirShield Test,C=US");
    }

    private static X509Certificate build(X500Name subject, PublicKey subjectKey, X500Name issuer,
            PrivateKey issuerKey, PublicKey issuerPublicKey, KeyType issuerType, Instant notBefore, Instant notAfter,
            BigInteger serial, boolean ca, int keyUsage, byte[] tnAuthList, String crlDp) {
        try {
            BigInteger sn = serial != null ? serial : new BigInteger(64, RANDOM).setBit(63);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, sn, Date.from(notBefore),
                    Date.from(notAfter), subject, subjectKey);
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (keyUsage != 0) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            }
            b.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    utils.createAuthorityKeyIdentifier(issuerPublicKey));
            if (tnAuthList != null) {
                b.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier(TnAuthList.OID), false, tnAuthList);
            }
            if (crlDp != null) {
                DistributionPoint dp = new DistributionPoint(new DistributionPointName(
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, crlDp))), null, null);
                b.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {dp}));
            }
            ContentSigner signer = new JcaContentSignerBuilder(issuerType.signatureAlgorithm()).build(issuerKey);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build certificate " + subject, e);
        }
    }
}
