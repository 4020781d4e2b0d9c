package org.stirshield.audit;

/**
 * What {@code /health/ready} on the metrics endpoint answers: 200 when this instance can decide calls, 503
 * when it cannot (or is draining), with a plain-text body saying why, one {@code name: state} a line.
 * {@code /health/live} and {@code /health} answer 200 whenever the process serves HTTP at all.
 */
@FunctionalInterface
public interface HealthCheck {
    Readiness check();

    /**
     * @param ready whether calls should be sent here
     * @param body the reasons, one per line
     */
    record Readiness(boolean ready, String body) {
    }
}
