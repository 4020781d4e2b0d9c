package org.stirshield.cert;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * What the cache needs from chain validation (CRT-03..10): the expensive path validation once per
 * fetch, and the cheap per-call re-check of validity and revocation. The core's
 * {@code CredentialValidator} is adapted to this shape in {@link CertificateSources}.
 */
interface ChainValidation {
    /** Path-validates {@code chain} (leaf first, as served at {@code x5u}) at {@code at}. */
    Credential validate(String x5u, List<X509Certificate> chain, Instant at, Deadline deadline) throws CredentialException;

    /** Re-checks a cached credential at {@code at}: validity period and revocation, no path building. */
    void checkValidAt(Credential credential, Instant at, Deadline deadline) throws CredentialException;
}
