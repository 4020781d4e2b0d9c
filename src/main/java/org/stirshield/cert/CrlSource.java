package org.stirshield.cert;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * Where certificate revocation lists come from (CRT-05): preloaded files here, the CRL Distribution
 * Point fetched over HTTP (HttpCrlSource). Implementations are thread-safe and return only CRLs
 * whose issuer matches and whose signature verifies with {@code issuer}'s key.
 */
public interface CrlSource {

    /**
     * The CRL that covers {@code cert}, issued and signed by {@code issuer}, or null when none is known.
     *
     * @throws CredentialException e.g. TIMEOUT when fetching it outlasts the deadline; the validator
     *     then applies the revocation policy as if no CRL were known
     */
    X509CRL crlFor(X509Certificate cert, X509Certificate issuer, Instant at, Deadline deadline)
            throws CredentialException;

    /** {@code preferred}'s CRL when it has one (operator-supplied files need no fetch), else {@code fallback}'s. */
    static CrlSource firstOf(CrlSource preferred, CrlSource fallback) {
        return (cert, issuer, at, deadline) -> {
            X509CRL known = preferred.crlFor(cert, issuer, at, deadline);
            return known != null ? known : fallback.crlFor(cert, issuer, at, deadline);
        };
    }

    /** A source that knows no CRL. */
    static CrlSource none() {
        return (cert, issuer, at, deadline) -> (X509CRL) null;
    }
}
