package org.stirshield.cert;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate chain obtained from an x5u URL that passed path validation to a trusted STI-CA
 * (CRT-02..08).
 *
 * @param x5u the URL it was obtained from
 * @param chain leaf first, then the intermediates as served (not including the trust anchor)
 * @param anchor the trust anchor the path ends at
 * @param tnAuthList the leaf's TNAuthList
 * @param fingerprint SHA-256 of the leaf's DER encoding, lowercase hex without separators
 */
public record Credential(
        String x5u,
        List<X509Certificate> chain,
        X509Certificate anchor,
        TnAuthList tnAuthList,
        String fingerprint) {

    public Credential {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty chain");
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** The key PASSporT signatures are verified with (PPT-05: only ever the leaf's). */
    public PublicKey publicKey() {
        return leaf().getPublicKey();
    }

    /** The signer's service provider code from the TNAuthList, or null for a TN-only list. */
    public String spc() {
        return tnAuthList.spc();
    }
}
