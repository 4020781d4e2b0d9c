package org.stirshield.audit;

import java.time.Duration;
import java.time.Instant;

/**
 * How long a PASSporT is remembered for replay detection: exactly as long as it can pass verification.
 *
 * <p>The verifier accepts a PASSporT while {@code iat - future_skew <= now <= iat + freshness} (TIM-01, whole
 * seconds). A replay after {@code iat + freshness} fails as {@code stale_iat} anyway, so a PASSporT is
 * remembered until {@code iat + freshness + 1 s} ({@link #expiresAt}) and no longer. For a PASSporT signed
 * just now that is the freshness (60 s by default); a PASSporT whose iat lies ahead (a signer's clock running
 * fast) is remembered longer, at most {@code freshness + future_skew + 1 s} ({@link #longest()}, 121 s with
 * the defaults): the figure the memory store and the shared store are sized for.
 *
 * @param freshness {@code verification.freshness}
 * @param futureSkew {@code verification.future_skew}
 */
public record ReplayWindow(Duration freshness, Duration futureSkew) {
    private static final Duration SECOND = Duration.ofSeconds(1);

    public ReplayWindow {
        if (freshness == null || freshness.isNegative() || freshness.isZero()) {
            throw new IllegalArgumentException("replay window: freshness must be positive: " + freshness);
        }
        if (futureSkew == null || futureSkew.isNegative()) {
            throw new IllegalArgumentException("replay window: future_skew must not be negative: " + futureSkew);
        }
    }

    /** The longest a PASSporT is remembered: {@code freshness + future_skew + 1 s}. */
    public Duration longest() {
        return freshness.plus(futureSkew).plus(SECOND);
    }

    /**
     * When a PASSporT with this {@code iat} (epoch seconds; null: unknown) seen at {@code now} stops passing
     * the freshness check: {@code iat + freshness + 1 s}, within {@code (now, now + longest()]}.
     */
    public Instant expiresAt(Long iat, Instant now) {
        Instant latest = now.plus(longest());
        if (iat == null) {
            return latest;
        }
        Instant end = Instant.ofEpochSecond(iat).plus(freshness).plus(SECOND);
        if (end.isAfter(latest)) {
            return latest;
        }
        return end.isAfter(now) ? end : now.plus(SECOND);
    }
}
