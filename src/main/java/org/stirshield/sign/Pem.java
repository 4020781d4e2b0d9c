package org.stirshield.sign;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/** PEM text for certificates, CRLs and keys. */
public final class Pem {
    private Pem() {
    }

    public static String certificates(List<X509Certificate> certs) {
        return write(certs.toArray());
    }

    public static String certificate(X509Certificate cert) {
        return write(cert);
    }

    public static String crl(X509CRL crl) {
        return write(crl);
    }

    /** A private key as PKCS#8 PEM. */
    public static String privateKey(java.security.PrivateKey key) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static String write(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
