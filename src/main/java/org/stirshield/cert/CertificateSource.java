package org.stirshield.cert;

import java.time.Instant;

/**
 * The one way certificates reach the verifier. Tests and the CLI serve local files; production
 * fetches over HTTPS through a bounded cache. Implementations are thread-safe.
 */
public interface CertificateSource {

    /**
     * The credential published at {@code x5u}: parsed, path-validated to a trusted STI-CA, checked for
     * validity and revocation at {@code at}, with its TNAuthList.
     *
     * @param x5u the PASSporT's x5u / the Identity header's info URI, exactly as received
     * @param at the verification time
     * @param deadline when the caller must have an answer; a fetch still running then fails with
     *     {@link CredentialFailure#TIMEOUT}
     */
    Credential credential(String x5u, Instant at, Deadline deadline) throws CredentialException;

    /**
     * {@link #credential(String, Instant, Deadline)} for a call of the given {@code priority}: a source that has
     * to queue fetches serves {@link FetchPriority#PROTECTED_CALLER} first. Sources that never wait ignore it.
     */
    default Credential credential(String x5u, Instant at, Deadline deadline, FetchPriority priority)
            throws CredentialException {
        return credential(x5u, at, deadline);
    }
}
