package org.stirshield.cert;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bytes from an x5u or CDP into certificates / a CRL. x5u: a PEM chain, leaf first
 * (application/pem-certificate-chain, ATIS-1000080, CRT-02) or one DER certificate. CRL: DER
 * (ATIS-1000080 §6.4.1), or one PEM "X509 CRL" block. Anything else is UNPARSEABLE.
 */
final class ChainCodec {
    static final int MAX_CHAIN = 8;
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    private ChainCodec() {
    }

    static List<X509Certificate> chain(byte[] body) throws CredentialException {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            if (looksLikePem(body)) {
                List<X509Certificate> out = new ArrayList<>();
                Matcher m = PEM.matcher(new String(body, StandardCharsets.US_ASCII));
                while (m.find()) {
                    if (!m.group(1).equals("CERTIFICATE")) {
                        throw unparseable("PEM block " + m.group(1) + " is not a CERTIFICATE");
                    }
                    if (out.size() == MAX_CHAIN) {
                        throw unparseable("more than " + MAX_CHAIN + " certificates");
                    }
                    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
                    out.add(der(cf, der));
                }
                if (out.isEmpty()) {
                    throw unparseable("no PEM CERTIFICATE block");
                }
                return out;
            }
            return List.of(der(cf, body));
        } catch (CertificateException | IllegalArgumentException e) {
            throw unparseable(e.getMessage());
        }
    }

    static X509CRL crl(byte[] body) throws CredentialException {
        try {
            byte[] der = body;
            if (looksLikePem(body)) {
                Matcher m = PEM.matcher(new String(body, StandardCharsets.US_ASCII));
                if (!m.find() || !m.group(1).equals("X509 CRL")) {
                    throw new CredentialException(CredentialFailure.REVOCATION_UNAVAILABLE, "CRL: no PEM X509 CRL block");
                }
                der = Base64.getMimeDecoder().decode(m.group(2));
            }
            X509CRL crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
            if (crl == null || crl.getEncoded().length != der.length) {
                throw new CredentialException(CredentialFailure.REVOCATION_UNAVAILABLE, "CRL: trailing bytes after DER");
            }
            return crl;
        } catch (CRLException | CertificateException | IllegalArgumentException e) {
            throw new CredentialException(CredentialFailure.REVOCATION_UNAVAILABLE, "CRL unparseable: " + Printable.of(e.getMessage()));
        }
    }

    private static X509Certificate der(CertificateFactory cf, byte[] der) throws CertificateException, CredentialException {
        if (der.length == 0 || der[0] != 0x30) {
            throw unparseable("not DER (no SEQUENCE)");
        }
        X509Certificate c = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
        if (c.getEncoded().length != der.length) {
            throw unparseable("trailing bytes after the DER certificate");
        }
        return c;
    }

    private static boolean looksLikePem(byte[] body) {
        if (body.length > 0 && body[0] == 0x30) {
            return false; // DER SEQUENCE
        }
        // RFC 7468 allows explanatory text before the first block; look for it in the first 8 KiB.
        byte[] marker = "-----BEGIN ".getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int j = 0; j + marker.length <= body.length && j < 8192; j++) {
            for (int k = 0; k < marker.length; k++) {
                if (body[j + k] != marker[k]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static CredentialException unparseable(String why) {
        return new CredentialException(CredentialFailure.UNPARSEABLE, "x5u content is not a PEM chain or DER certificate: "
                + Printable.of(why));
    }

    /** PEM encoding of a chain (for the disk cache and pinned files). */
    static String pem(List<X509Certificate> chain) {
        StringBuilder b = new StringBuilder();
        Base64.Encoder enc = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        for (X509Certificate c : chain) {
            try {
                b.append("-----BEGIN CERTIFICATE-----\n").append(enc.encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        return b.toString();
    }
}
