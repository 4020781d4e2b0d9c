package org.stirshield.audit;

import java.time.Duration;

/**
 * How long each stage of one call's decision took, in microseconds (written to the audit record as
 * {@code verify_us}, {@code policy_us}, {@code total_us} and observed by the latency histogram).
 *
 * @param verifyMicros verification (Identity header parsing, certificate, signature), microseconds
 * @param policyMicros policy evaluation, microseconds
 * @param totalMicros the whole decision, from the call arriving to the decision being ready, microseconds
 */
public record StageTimings(long verifyMicros, long policyMicros, long totalMicros) {

    /** No timings measured (all zero). */
    public static final StageTimings NONE = new StageTimings(0, 0, 0);

    public StageTimings {
        if (verifyMicros < 0 || policyMicros < 0 || totalMicros < 0) {
            throw new IllegalArgumentException("negative stage timing");
        }
    }

    /** From {@link System#nanoTime()} differences. */
    public static StageTimings ofNanos(long verifyNanos, long policyNanos, long totalNanos) {
        return new StageTimings(
                Math.max(0, verifyNanos / 1000), Math.max(0, policyNanos / 1000), Math.max(0, totalNanos / 1000));
    }

    public static StageTimings of(Duration verify, Duration policy, Duration total) {
        return ofNanos(verify.toNanos(), policy.toNanos(), total.toNanos());
    }
}
