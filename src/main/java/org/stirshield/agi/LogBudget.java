package org.stirshield.agi;

import java.util.concurrent.TimeUnit;

/**
 * At most {@code lines} log lines of one kind per interval: under a flood of calls that cannot be verified
 * (an idle or malformed-request flood, calls cut off by an overload) the log must not grow with the attack.
 * Every call still has its audit record; the log says how many lines it left out.
 */
final class LogBudget {
    private final int lines;
    private final long intervalNanos;
    private long windowStart;
    private int used;
    private long suppressed;

    LogBudget(int lines, long interval, TimeUnit unit) {
        this.lines = lines;
        this.intervalNanos = unit.toNanos(interval);
        this.windowStart = System.nanoTime() - intervalNanos;
    }

    /**
     * Whether one more line may be written now; -1 when not (it is counted), else the number of lines left out
     * since the last one written (to be said in this one).
     */
    synchronized long take() {
        long now = System.nanoTime();
        if (now - windowStart >= intervalNanos) {
            windowStart = now;
            used = 0;
        }
        if (used >= lines) {
            suppressed++;
            return -1;
        }
        used++;
        long left = suppressed;
        suppressed = 0;
        return left;
    }
}
