package org.stirshield.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
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
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test STI PKI built with BouncyCastle: roots, intermediates, SHAKEN leaves with real TNAuthList
 * extensions, CRLs, and PASSporT signing. Test code only.
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static long serial = System.nanoTime();

    private TestPki() {
    }

    /** A CA or leaf: certificate plus private key. */
    public record Issued(X509Certificate cert, PrivateKey key) {
    }

    public static KeyPair keyPair(String type) {
        try {
            KeyPairGenerator g;
            switch (type) {
                case "P-256" -> {
                    g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp256r1"));
                }
                case "P-384" -> {
                    g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp384r1"));
                }
                case "RSA" -> {
                    g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(2048);
                }
                default -> throw new IllegalArgumentException(type);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Issued root(String cn, Instant notBefore, Instant notAfter) {
        KeyPair kp = keyPair("P-256");
        return new Issued(build(new X500Name("CN=" + cn), kp, new X500Name("CN=" + cn), kp.getPrivate(), kp, notBefore, notAfter,
                true, KeyUsage.keyCertSign | KeyUsage.cRLSign, null, null), kp.getPrivate());
    }

    public static Issued intermediate(Issued issuer, String cn, Instant notBefore, Instant notAfter) {
        KeyPair kp = keyPair("P-256");
        return new Issued(build(new X500Name("CN=" + cn), kp, name(issuer), issuer.key(), kp, notBefore, notAfter,
                true, KeyUsage.keyCertSign | KeyUsage.cRLSign, null, null), kp.getPrivate());
    }

    /** What a leaf looks like. */
    public static final class LeafSpec {
        public String cn = "SHAKEN TEST";
        public String spc = "1234";
        public List<String> numbers = new ArrayList<>();
        public List<Object[]> ranges = new ArrayList<>();
        public byte[] rawTnAuthList;
        public boolean noTnAuthList;
        public Instant notBefore = Instant.parse("2020-01-01T00:00:00Z");
        public Instant notAfter = Instant.parse("2040-01-01T00:00:00Z");
        public Integer keyUsage = KeyUsage.digitalSignature;
        public String keyType = "P-256";
        public String crlDp;
        public boolean ca;

        public LeafSpec spc(String s) {
            spc = s;
            return this;
        }

        public LeafSpec number(String n) {
            numbers.add(n);
            return this;
        }

        public LeafSpec range(String start, long count) {
            ranges.add(new Object[] {start, count});
            return this;
        }
    }

    public static Issued leaf(Issued issuer, LeafSpec spec) {
        KeyPair kp = keyPair(spec.keyType);
        byte[] tnal = spec.noTnAuthList ? null : spec.rawTnAuthList != null ? spec.rawTnAuthList : tnAuthList(spec);
        return new Issued(build(new X500Name("CN=" + spec.cn), kp, name(issuer), issuer.key(), kp, spec.notBefore, spec.notAfter,
                spec.ca, spec.keyUsage, tnal, spec.crlDp), kp.getPrivate());
    }

    /** DER of a TNAuthorizationList with EXPLICIT tags (RFC 8226 Appendix A): the sign package's encoder. */
    public static byte[] tnAuthList(LeafSpec spec) {
        List<org.stirshield.cert.TnAuthList.Range> ranges = new ArrayList<>();
        for (Object[] r : spec.ranges) {
            ranges.add(new org.stirshield.cert.TnAuthList.Range((String) r[0], (Long) r[1]));
        }
        return org.stirshield.sign.TnAuthListEncoder.encode(new org.stirshield.cert.TnAuthList(
                spec.spc == null ? List.of() : List.of(spec.spc), ranges, spec.numbers));
    }

    private static X500Name name(Issued i) {
        return X500Name.getInstance(i.cert().getSubjectX500Principal().getEncoded());
    }

    private static synchronized BigInteger nextSerial() {
        return BigInteger.valueOf(++serial).shiftLeft(16).or(BigInteger.valueOf(RANDOM.nextInt(65536)));
    }

    private static X509Certificate build(X500Name subject, KeyPair subjectKeys, X500Name issuer, PrivateKey issuerKey,
            KeyPair kp, Instant nb, Instant na, boolean ca, Integer keyUsage, byte[] tnAuthList, String crlDp) {
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, nextSerial(), Date.from(nb), Date.from(na),
                    subject, subjectKeys.getPublic());
            JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (keyUsage != null) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            }
            b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(subjectKeys.getPublic()));
            if (tnAuthList != null) {
                b.addExtension(new ASN1ObjectIdentifier("1.3.6.1.5.5.7.1.26"), false, new DEROctetString(tnAuthList).getOctets());
            }
            if (crlDp != null) {
                DistributionPoint dp = new DistributionPoint(new DistributionPointName(new GeneralNames(
                        new GeneralName(GeneralName.uniformResourceIdentifier, crlDp))), null, null);
                b.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {dp}));
            }
            String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static X509CRL crl(Issued issuer, Instant thisUpdate, Instant nextUpdate, BigInteger... revoked) {
        try {
            X509v2CRLBuilder b = new X509v2CRLBuilder(name(issuer), Date.from(thisUpdate));
            if (nextUpdate != null) {
                b.setNextUpdate(Date.from(nextUpdate));
            }
            for (BigInteger s : revoked) {
                b.addCRLEntry(s, Date.from(thisUpdate.minusSeconds(60)), CRLReason.keyCompromise);
            }
            return new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.key())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pem(Object... objects) {
        StringBuilder b = new StringBuilder();
        for (Object o : objects) {
            b.append(o instanceof X509CRL crl ? org.stirshield.sign.Pem.crl(crl)
                    : org.stirshield.sign.Pem.certificate((X509Certificate) o));
        }
        return b.toString();
    }

    public static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Signs {@code b64(header).b64(claims)} with ES256 (raw R‖S), returning the compact JWS. */
    public static String sign(String headerJson, String claimsJson, PrivateKey key) {
        return org.stirshield.sign.PassportSigner.signRaw(key, headerJson, claimsJson);
    }

    public static byte[] es256(String input, PrivateKey key) {
        return org.stirshield.sign.PassportSigner.signature(key, input);
    }
}
