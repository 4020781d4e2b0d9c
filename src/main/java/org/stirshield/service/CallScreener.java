package org.stirshield.service;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.stirshield.cert.Deadline;
import org.stirshield.policy.Decision;
import org.stirshield.verify.CallAttempt;

/**
 * The whole decision for one call: verify, detect replay, apply policy, write the audit record.
 * Never throws: an internal failure becomes a decision with reason {@code internal_error}.
 */
public interface CallScreener {

    /** Decides the call and records the decision. */
    Decision screen(CallAttempt call, Deadline deadline);

    /**
     * Decides the call, and records the decision only if {@code claimAnswer} grants this decision the
     * right to be the call's answer. The AGI adapter's watchdog answers a call whose decision is late with
     * a fail-safe one instead ({@link #recordFailSafe}); claiming keeps exactly one audit record per call,
     * the one matching what Asterisk was told. Screeners that record nothing may ignore the claim.
     */
    default Decision screen(CallAttempt call, Deadline deadline, BooleanSupplier claimAnswer) {
        return screen(call, deadline);
    }

    /** Records a decision the caller answered with instead of this screener's (late, or failed). */
    default void recordFailSafe(Decision decision, Duration elapsed) {
    }
}
