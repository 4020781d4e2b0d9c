package org.stirshield.sign;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * An issued STI certificate with its private key.
 *
 * @param certificate the leaf
 * @param privateKey its private key (for signing PASSporTs)
 * @param chain leaf first, then the intermediates up to (not including) the root: what x5u serves
 */
public record LeafCertificate(X509Certificate certificate, PrivateKey privateKey, List<X509Certificate> chain) {

    public LeafCertificate {
        chain = List.copyOf(chain);
    }

    /** The chain as x5u serves it: PEM, leaf first (ATIS-1000080, application/pem-certificate-chain). */
    public String chainPem() {
        return Pem.certificates(chain);
    }
}
