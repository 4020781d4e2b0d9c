package org.stirshield.service;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.stirshield.cert.Deadline;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

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

    /**
     * {@link #screen(CallAttempt, Deadline, BooleanSupplier)} for a thread that must not wait at all: a wait
     * that holds no thread (the shared replay store's answer) does not block it; the rest of the decision then
     * runs on {@code continueOn} once that answer is in (the caller's own event loop), and the returned future
     * completes there with the decision (recorded if claimed, as {@code screen} does). Complete on return when
     * nothing was waited for. Under a deadline {@linkplain Deadline#withoutBlocking() without blocking}, any
     * other wait throws {@link Deadline.WouldBlock} as {@code screen} does. A decision that failed is an
     * {@code internal_error} decision, as always. This default decides at once.
     */
    default CompletableFuture<Decision> screenLater(CallAttempt call, Deadline deadline, BooleanSupplier claimAnswer,
            Executor continueOn) {
        return CompletableFuture.completedFuture(screen(call, deadline, claimAnswer));
    }

    /**
     * Whether every wait of this screener is marked with {@link Deadline#enter} (certificate and CRL fetches,
     * RCD content, the shared replay store), so that under a deadline {@linkplain Deadline#withoutBlocking()
     * without blocking} it throws {@link Deadline.WouldBlock} before it would wait, having recorded nothing. The
     * FastAGI server then decides calls on its event loop and runs only those that need a wait on threads of
     * their own. A screener that may wait unmarked (a lock, a test's latch) must say false, the default: every
     * call then runs on a thread of its own, where the watchdog can answer for it.
     */
    default boolean marksItsWaits() {
        return false;
    }

    /**
     * Records a decision the caller answered with instead of this screener's (late, or failed), and returns it
     * as recorded: a screener with a policy completes it as its own decisions are (the canonical caller and
     * called TNs, the protected entry the caller claims), so the caller answers with that one.
     */
    default Decision recordFailSafe(Decision decision, Duration elapsed) {
        return decision;
    }

    /**
     * Decides and records a call whose request could not be read whole ({@code reason}: e.g.
     * {@code header_too_large}, {@code incomplete_request}, {@code agi_command_failed}): nothing is verified;
     * the verdict is FAIL with that reason, and the policy decides as for any failure of that kind (a
     * protected number's {@code on_failure} or {@code on_infrastructure_error}). This default, for screeners
     * without a policy, tags the call.
     *
     * @param detail what went wrong, in words (audit record), or null
     */
    default Decision decideUnverified(CallAttempt call, Reason reason, String detail) {
        Verdict v = unverified(reason, detail, null, null);
        return new Decision(call, v, null, "FAIL", Action.TAG, reason.code(), reason.sipCode(), null, 0);
    }

    /** The verdict of a call that was not verified because of {@code reason}. */
    static Verdict unverified(Reason reason, String detail, String callerTn, String calledTn) {
        List<Verdict.HeaderResult> why = detail == null ? List.of()
                : List.of(new Verdict.HeaderResult(0, null, reason, null, null, detail));
        return new Verdict(Verdict.Status.FAIL, null, reason, null, null, null, null, null, null, null, callerTn,
                calledTn, why);
    }
}
