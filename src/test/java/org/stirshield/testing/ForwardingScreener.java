package org.stirshield.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.stirshield.cert.Deadline;
import org.stirshield.policy.Decision;
import org.stirshield.service.CallScreener;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;

/**
 * A screener that hands every call to a real one: a test overrides only what it watches or delays, and no
 * method of {@link CallScreener} falls back to its default (which records nothing) by being forgotten.
 */
public class ForwardingScreener implements CallScreener {
    protected final CallScreener real;

    public ForwardingScreener(CallScreener real) {
        this.real = real;
    }

    @Override
    public Decision screen(CallAttempt call, Deadline deadline) {
        return real.screen(call, deadline);
    }

    @Override
    public Decision screen(CallAttempt call, Deadline deadline, BooleanSupplier claimAnswer) {
        return real.screen(call, deadline, claimAnswer);
    }

    @Override
    public Decision recordFailSafe(Decision decision, Duration elapsed) {
        return real.recordFailSafe(decision, elapsed);
    }

    /**
     * Not forwarded: a test that overrides {@code screen} delays calls with waits the real screener does not
     * mark, so the FastAGI server must run them on threads of their own (where its watchdog answers for them).
     */
    @Override
    public boolean marksItsWaits() {
        return false;
    }

    @Override
    public Decision decideUnverified(CallAttempt call, Reason reason, String detail) {
        return real.decideUnverified(call, reason, detail);
    }
}
