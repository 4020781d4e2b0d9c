package org.stirshield.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A signed run's warm-up longer than the PASSporTs' freshness runs in rounds, each with PASSporTs signed just
 * before it; the measured interval and the warm-up's last 10 s share the last set, signed within the 55 s a
 * PASSporT is used in.
 */
class BenchmarkRoundsTest {
    private static List<Duration> rounds(boolean signed, int warmup, int duration) {
        return Benchmark.earlyRounds(signed, Duration.ofSeconds(warmup), Duration.ofSeconds(duration));
    }

    @Test
    void aRunWithinTheFreshnessHasOneSet() {
        assertEquals(List.of(), rounds(true, 25, 25));
        assertEquals(List.of(), rounds(true, 30, 25));
    }

    @Test
    void unsignedCallsNeedNoRounds() {
        assertEquals(List.of(), rounds(false, 120, 30));
    }

    @Test
    void aLongWarmUpRunsInRoundsOfAtMostFortySeconds() {
        assertEquals(List.of(Duration.ofSeconds(40), Duration.ofSeconds(10)), rounds(true, 60, 30));
        assertEquals(List.of(Duration.ofSeconds(40)), rounds(true, 50, 10));
        assertEquals(List.of(Duration.ofSeconds(40), Duration.ofSeconds(40), Duration.ofSeconds(20)),
                rounds(true, 110, 40));
    }

    @Test
    void aMeasuredIntervalTooLongForOneSetIsRunAsAsked() {
        // 50 s measured + 10 s of warm-up outlive a set: no rounds, and the run says its last calls fail stale_iat
        assertEquals(List.of(), rounds(true, 60, 50));
    }
}
