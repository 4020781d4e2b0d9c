package org.stirshield.sign;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reading PEM private keys (PKCS#8 or SEC1 "EC PRIVATE KEY", as openssl writes them). */
public final class KeyFiles {
    private static final java.math.BigInteger P256_ORDER =
            new java.math.BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    private KeyFiles() {
    }

    /**
     * The EC P-256 private key in PEM file {@code file} (ES256 signs with nothing else). Errors name
     * {@code what} (e.g. {@code --key}), the absolute path and why: missing, unreadable, not a PEM private
     * key, or another key type.
     */
    public static PrivateKey readP256(Path file, String what) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        String where = what + " " + abs + ": ";
        byte[] bytes;
        try {
            if (Files.isDirectory(abs)) {
                throw new IOException(where + "is a directory, not a PEM key file");
            }
            if (Files.size(abs) > 64 * 1024) {
                throw new IOException(where + "larger than 64 KiB: not a PEM private key");
            }
            bytes = Files.readAllBytes(abs);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(where + "cannot read: no such file", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(where + "cannot read: permission denied", e);
        }
        PrivateKey pk;
        try {
            pk = readPrivateKey(new String(bytes, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            throw new IOException(where + "not a PEM private key (" + e.getMessage() + ")", e);
        }
        if (!(pk instanceof ECPrivateKey ec) || !P256_ORDER.equals(ec.getParams().getOrder())) {
            throw new IOException(where + "a " + pk.getAlgorithm() + " key"
                    + (pk instanceof ECPrivateKey ? " on another curve" : "") + "; ES256 (RFC 8588) needs an EC P-256 key "
                    + "(openssl ecparam -name prime256v1 -genkey -noout -out key.pem)");
        }
        return pk;
    }

    public static PrivateKey readPrivateKey(String pem) throws IOException {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = p.readObject()) != null) {
                JcaPEMKeyConverter c = new JcaPEMKeyConverter();
                if (o instanceof PEMKeyPair kp) {
                    return c.getKeyPair(kp).getPrivate();
                }
                if (o instanceof PrivateKeyInfo info) {
                    return c.getPrivateKey(info);
                }
            }
        }
        throw new IOException("no private key in PEM");
    }
}
