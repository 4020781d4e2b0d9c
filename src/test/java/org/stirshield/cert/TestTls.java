package org.stirshield.cert;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test TLS PKI made with BouncyCastle: a CA and a server certificate for {@code localhost},
 * {@code certs.test} and 127.0.0.1. The server presents it; the client trusts the CA through
 * {@code certificates.tls_ca_file} (the production code path).
 */
public final class TestTls {
    static final String[] DNS_NAMES = {"localhost", "certs.test"};

    final X509Certificate ca;
    final X509Certificate server;
    final SSLContext serverContext;

    public TestTls() throws Exception {
        KeyPair caKeys = ec();
        KeyPair serverKeys = ec();
        Instant now = Instant.now();
        X500Name caName = new X500Name("CN=StirShield Test TLS CA");
        var cab = new JcaX509v3CertificateBuilder(caName, BigInteger.valueOf(new SecureRandom().nextLong() & Long.MAX_VALUE),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), caName, caKeys.getPublic());
        cab.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        cab.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca = sign(cab, caKeys);
        var sb = new JcaX509v3CertificateBuilder(caName, BigInteger.valueOf(new SecureRandom().nextLong() & Long.MAX_VALUE),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))),
                new X500Name("CN=localhost"), serverKeys.getPublic());
        sb.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        sb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        sb.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        GeneralName[] names = new GeneralName[DNS_NAMES.length + 1];
        for (int i = 0; i < DNS_NAMES.length; i++) {
            names[i] = new GeneralName(GeneralName.dNSName, DNS_NAMES[i]);
        }
        names[DNS_NAMES.length] = new GeneralName(GeneralName.iPAddress, "127.0.0.1");
        sb.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        server = sign(sb, caKeys);

        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", serverKeys.getPrivate(), "x".toCharArray(), new X509Certificate[] {server, ca});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "x".toCharArray());
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
    }

    /** Writes the CA as PEM, for {@code certificates.tls_ca_file}. */
    public Path writeCa(Path dir) throws Exception {
        Path f = dir.resolve("tls-ca.pem");
        Files.writeString(f, DiskCache.pem(java.util.List.of(ca)));
        return f;
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate sign(JcaX509v3CertificateBuilder b, KeyPair issuer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
    }
}
