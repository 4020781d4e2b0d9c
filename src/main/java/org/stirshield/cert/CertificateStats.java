package org.stirshield.cert;

import java.time.Duration;
import java.util.Map;

/**
 * A snapshot of the certificate cache's counters since start.
 *
 * @param hits calls answered from the cache (including remembered failures)
 * @param misses calls that had to wait for a load
 * @param fetches successful HTTP fetches
 * @param fetchFailures failed loads by kind
 * @param fetchLatencyTotal sum of the latencies of all loads that went to the network
 * @param fetchLatencyMax the slowest of them
 * @param entries entries in the cache now (approximate)
 */
public record CertificateStats(long hits, long misses, long fetches, Map<CredentialFailure, Long> fetchFailures,
        Duration fetchLatencyTotal, Duration fetchLatencyMax, long entries) {
    public CertificateStats {
        fetchFailures = Map.copyOf(fetchFailures);
    }
}
