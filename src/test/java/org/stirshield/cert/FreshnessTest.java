package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a certificate server's caching headers say about an entry's lifetime (the cache takes max(min_ttl, this)). */
class FreshnessTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    private static Optional<Duration> freshness(Map<String, List<String>> headers) {
        return new GuardedFetcher.Response(new byte[0], HttpHeaders.of(headers, (a, b) -> true), null, Duration.ZERO)
                .freshness(NOW);
    }

    @Test
    void maxAgeWins() {
        assertEquals(Optional.of(Duration.ofSeconds(86400)), freshness(Map.of("cache-control", List.of("public, max-age=86400"),
                "expires", List.of("Mon, 23 Nov 2026 13:00:00 GMT"))));
    }

    @Test
    void expiresIsRelativeToTheServersDate() {
        assertEquals(Optional.of(Duration.ofHours(2)), freshness(Map.of(
                "date", List.of("Mon, 23 Nov 2026 08:00:00 GMT"), "expires", List.of("Mon, 23 Nov 2026 10:00:00 GMT"))));
        assertEquals(Optional.of(Duration.ofHours(1)), freshness(Map.of("expires", List.of("Mon, 23 Nov 2026 13:00:00 GMT"))));
        assertEquals(Optional.of(Duration.ZERO), freshness(Map.of("expires", List.of("Mon, 23 Nov 2026 11:00:00 GMT"))));
    }

    @Test
    void garbageSaysNothing() {
        assertEquals(Optional.empty(), freshness(Map.of()));
        assertEquals(Optional.empty(), freshness(Map.of("expires", List.of("0"))));
        assertEquals(Optional.empty(), freshness(Map.of("cache-control", List.of("max-age=soon"))));
        assertEquals(Optional.empty(), freshness(Map.of("cache-control", List.of("max-age=99999999999999999999999"))));
    }
}
