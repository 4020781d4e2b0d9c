package org.stirshield.cert;

import java.time.Duration;

/**
 * What the certificate cache reports as it works, for metrics (the audit area's Prometheus
 * registry implements this). Every method has a no-op default; implementations must be fast and
 * thread-safe and must not throw (they run on the call path).
 */
public interface CertificateEvents {
    /** The no-op listener. */
    CertificateEvents NONE = new CertificateEvents() { };

    /** A call was answered from the cache (a live credential or a remembered failure). */
    default void cacheHit() {
    }

    /** A call found nothing usable in the cache and waited for a load (its own or one in flight). */
    default void cacheMiss() {
    }

    /** One HTTP fetch of {@code url} succeeded (body received and parsed) after {@code latency}. */
    default void fetched(Duration latency, String url) {
    }

    /**
     * A load found no fetch slot within the fetch timeout (too many fetches in flight, or for its host): local
     * congestion, answered as a timeout and not remembered.
     */
    default void fetchSlotUnavailable() {
    }

    /** One load failed with {@code failure} (fetch, parse or validation) after {@code latency}. */
    default void fetchFailed(CredentialFailure failure, Duration latency) {
    }
}
