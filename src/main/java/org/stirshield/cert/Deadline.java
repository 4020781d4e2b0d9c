package org.stirshield.cert;

import java.time.Duration;

/**
 * A point on the monotonic clock by which a call must have its answer. Separate from the
 * verification time ("now" in {@code verify(CallAttempt, Instant)}), which tests and the CLI set to
 * any instant: the deadline always runs on {@link System#nanoTime()}.
 */
public final class Deadline {
    private final long deadlineNanos;

    private Deadline(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** A deadline {@code budget} from now. */
    public static Deadline in(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos());
    }

    /** No deadline at all (CLI, tests of logic that must not time out). */
    public static Deadline none() {
        return new Deadline(System.nanoTime() + Duration.ofDays(365).toNanos());
    }

    /** Time left, never negative. */
    public Duration remaining() {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    public boolean expired() {
        return deadlineNanos - System.nanoTime() <= 0;
    }

    /** The earlier of this deadline and {@code other} from now. */
    public Deadline atMost(Duration other) {
        long candidate = System.nanoTime() + other.toNanos();
        return candidate - deadlineNanos < 0 ? new Deadline(candidate) : this;
    }

    @Override
    public String toString() {
        return "Deadline[" + remaining().toMillis() + " ms left]";
    }
}
