package org.stirshield.cert;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CRLException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;

/**
 * CRLs preloaded from files (the CLI's {@code --crl FILE}, config {@code verification.crl_files}),
 * DER or PEM ({@code -----BEGIN X509 CRL-----}). A CRL is used for a certificate when its issuer DN
 * equals the certificate's issuer DN <b>and</b> its signature verifies with the issuer's public key.
 * Among several matching CRLs the one with the latest thisUpdate that is not after the verification
 * time wins. Whether an expired CRL (nextUpdate before the verification time) counts is decided by the
 * validator's {@link RevocationMode}.
 */
public final class FileCrlSource implements CrlSource {
    private static final String BEGIN = "-----BEGIN X509 CRL-----";
    private static final String END = "-----END X509 CRL-----";

    private final List<X509CRL> crls;

    public FileCrlSource(Collection<X509CRL> crls) {
        this.crls = List.copyOf(crls);
    }

    /** Loads each file (DER, or PEM with one or more CRLs). */
    public static FileCrlSource load(List<Path> files) throws IOException {
        List<X509CRL> all = new ArrayList<>();
        for (Path f : files) {
            if (Files.size(f) > 64L * 1024 * 1024) {
                throw new IOException("CRL file too large: " + f);
            }
            try {
                all.addAll(parse(Files.readAllBytes(f)));
            } catch (CRLException | IllegalArgumentException e) {
                throw new IOException("not a DER or PEM CRL: " + f);
            }
        }
        return new FileCrlSource(all);
    }

    /** Parses DER or PEM CRL bytes; anything else is a {@link CRLException} saying what is wrong. */
    public static List<X509CRL> parse(byte[] bytes) throws CRLException {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            if (bytes.length > 0 && (bytes[0] & 0xff) == 0x30) {
                return List.of((X509CRL) cf.generateCRL(new ByteArrayInputStream(bytes)));
            }
            String text = new String(bytes, StandardCharsets.US_ASCII);
            List<X509CRL> out = new ArrayList<>();
            int from = 0;
            int b;
            while ((b = text.indexOf(BEGIN, from)) >= 0) {
                int e = text.indexOf(END, b + BEGIN.length()); // not inside the BEGIN line
                if (e < 0) {
                    throw new CRLException("PEM CRL without END line");
                }
                byte[] der;
                try {
                    der = Base64.getMimeDecoder().decode(text.substring(b + BEGIN.length(), e).strip());
                } catch (IllegalArgumentException notBase64) {
                    throw new CRLException("PEM CRL block is not base64");
                }
                out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(der)));
                from = e + END.length();
            }
            if (out.isEmpty()) {
                throw new CRLException("no CRL found");
            }
            return out;
        } catch (java.security.cert.CertificateException | RuntimeException e) {
            throw new CRLException("not a CRL: " + e.getMessage(), e);
        }
    }

    public List<X509CRL> crls() {
        return crls;
    }

    @Override
    public X509CRL crlFor(X509Certificate cert, X509Certificate issuer, Instant at, Deadline deadline) {
        if (crls.isEmpty()) {
            return null; // no verification.crl_files: asked on every call, nothing to look through
        }
        X509CRL best = null;
        Date when = Date.from(at);
        for (X509CRL crl : crls) {
            if (!crl.getIssuerX500Principal().equals(cert.getIssuerX500Principal())) {
                continue;
            }
            if (crl.getThisUpdate().after(when)) {
                continue; // issued after the verification time: not what was known then
            }
            try {
                crl.verify(issuer.getPublicKey());
            } catch (Exception e) {
                continue; // signed by someone else
            }
            if (best == null || crl.getThisUpdate().after(best.getThisUpdate())) {
                best = crl;
            }
        }
        return best;
    }
}
