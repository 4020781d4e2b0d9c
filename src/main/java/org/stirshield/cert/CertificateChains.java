package org.stirshield.cert;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Parsing what an x5u URL serves (CRT-02, ATIS-1000080): a PEM certificate chain
 * ({@code application/pem-certificate-chain}, leaf first, then intermediates) or a single DER
 * certificate. Anything else is {@link CredentialFailure#UNPARSEABLE}.
 */
public final class CertificateChains {
    /** Default bound on the number of certificates in a chain. */
    public static final int MAX_CERTS = 8;

    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String END = "-----END CERTIFICATE-----";

    private CertificateChains() {
    }

    /** Parses a chain with at most {@link #MAX_CERTS} certificates. */
    public static List<X509Certificate> parse(byte[] body) throws CredentialException {
        return parse(body, MAX_CERTS);
    }

    /** Parses a PEM chain (leaf first) or one DER certificate, with at most {@code maxCerts} certificates. */
    public static List<X509Certificate> parse(byte[] body, int maxCerts) throws CredentialException {
        if (body == null || body.length == 0) {
            throw new CredentialException(CredentialFailure.UNPARSEABLE, "empty certificate body");
        }
        if ((body[0] & 0xff) == 0x30) {
            return List.of(der(body));
        }
        String text = new String(body, StandardCharsets.US_ASCII);
        List<X509Certificate> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int b = text.indexOf(BEGIN, from);
            if (b < 0) {
                break;
            }
            // explanatory text between blocks is tolerated (RFC 7468 §5.2)
            int e = text.indexOf(END, b + BEGIN.length()); // not inside the BEGIN line ("-----BEGIN ...-----END ...")
            if (e < 0) {
                throw new CredentialException(CredentialFailure.UNPARSEABLE, "PEM block without END line");
            }
            if (out.size() == maxCerts) {
                throw new CredentialException(CredentialFailure.UNPARSEABLE, "more than " + maxCerts + " certificates in the chain");
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(text.substring(b + BEGIN.length(), e).strip());
            } catch (IllegalArgumentException ex) {
                throw new CredentialException(CredentialFailure.UNPARSEABLE, "PEM block is not base64");
            }
            if (der.length == 0) {
                throw new CredentialException(CredentialFailure.UNPARSEABLE, "empty PEM block");
            }
            out.add(der(der));
            from = e + END.length();
        }
        if (out.isEmpty()) {
            throw new CredentialException(CredentialFailure.UNPARSEABLE, "neither a PEM certificate chain nor a DER certificate (CRT-02)");
        }
        return List.copyOf(out);
    }

    private static X509Certificate der(byte[] der) throws CredentialException {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            ByteArrayInputStream in = new ByteArrayInputStream(der);
            X509Certificate c = (X509Certificate) cf.generateCertificate(in);
            if (in.available() != 0) {
                throw new CredentialException(CredentialFailure.UNPARSEABLE, "trailing data after the certificate");
            }
            return c;
        } catch (CertificateException | RuntimeException e) {
            throw new CredentialException(CredentialFailure.UNPARSEABLE, "not an X.509 certificate: " + e.getMessage());
        }
    }

    /** The earliest notAfter of {@code certs}, or null when there are none. */
    public static java.time.Instant earliestNotAfter(java.util.Collection<? extends X509Certificate> certs) {
        java.time.Instant min = null;
        for (X509Certificate c : certs) {
            java.time.Instant t = c.getNotAfter().toInstant();
            min = min == null || t.isBefore(min) ? t : min;
        }
        return min;
    }
}
