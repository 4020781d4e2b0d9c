package org.stirshield.cert;

import java.time.Duration;

/**
 * What the certificate, CRL and RCD content caches report as they work, for metrics (the audit area's Prometheus
 * registry implements this). Every method has a no-op default; implementations must be fast and
 * thread-safe and must not throw (they run on the call path).
 */
public interface CertificateEvents {
    /** The no-op listener. */
    CertificateEvents NONE = new CertificateEvents() { };

    /** What a fetch went for. */
    enum Fetch {
        /** A signer's certificate chain at an x5u URL. */
        X5U,
        /** A CRL at a certificate's CRL Distribution Point. */
        CRL,
        /** Rich Call Data content (RFC 9795: a {@code jcl} jCard, an {@code icn} or jCard logo URI) that rcdi covers. */
        RCD
    }

    /** A call was answered from the cache (a live credential or a remembered failure). */
    default void cacheHit() {
    }

    /** A call found nothing usable in the cache and waited for a load (its own or one in flight). */
    default void cacheMiss() {
    }

    /**
     * An x5u load found no fetch slot within the fetch timeout (too many fetches in flight, or for its host):
     * local congestion, answered as a timeout and not remembered.
     */
    default void fetchSlotUnavailable() {
    }

    /**
     * One fetch from the network finished, once per fetch: {@code failure} null when it succeeded (for an x5u:
     * the chain was received, parsed and validated; for a CRL: received and parsed; for RCD content: received
     * within its size bound), else why it failed (fetch, parse or, for an x5u, validation). Local loads (pinned
     * files, the disk cache, lab content files) and answers from a cache are not fetches.
     */
    default void fetched(Fetch what, CredentialFailure failure, Duration latency) {
    }
}
