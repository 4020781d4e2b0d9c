package org.stirshield.agi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.cert.Deadline;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.service.CallScreener;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/**
 * The screener with a watchdog: whatever the pipeline does, the call has a decision by its deadline
 * plus {@link #MARGIN}. The screener gets the deadline and should honour it itself (a slow certificate
 * fetch ends as reason {@code x5u-timeout}); if it has not returned by then, or throws, the call gets a
 * fail-safe decision (STIR_STATUS=FAIL, reason {@code x5u-timeout} or {@code internal_error}, the
 * configured {@code server.failsafe_action}) so Asterisk never waits on us.
 */
final class GuardedScreener {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedScreener.class);
    /** How long past the call's deadline the watchdog waits for the screener's own answer. */
    static final Duration MARGIN = Duration.ofMillis(100);
    /** The caller-name prefix written when the fail-safe action is {@code tag}. */
    static final String FAILSAFE_TAG = "[UNVERIFIED] ";

    private final CallScreener screener;
    private final Action failsafeAction;
    final LongAdder timeouts = new LongAdder();
    final LongAdder errors = new LongAdder();

    GuardedScreener(CallScreener screener, Action failsafeAction) {
        this.screener = screener;
        this.failsafeAction = failsafeAction;
    }

    Decision screen(CallAttempt call, Deadline deadline) {
        CompletableFuture<Decision> answer = new CompletableFuture<>();
        Thread worker = Thread.ofVirtual().name("screen-" + (call.callId() == null ? "?" : call.callId())).start(() -> {
            try {
                answer.complete(screener.screen(call, deadline));
            } catch (Throwable t) {
                answer.completeExceptionally(t);
            }
        });
        try {
            Decision d = answer.get(deadline.remaining().plus(MARGIN).toNanos(), TimeUnit.NANOSECONDS);
            if (d == null || d.status() == null) {
                errors.increment();
                LOG.error("call {}: the screener returned no decision", call.callId());
                return failsafe(call, Reason.INTERNAL_ERROR);
            }
            return d;
        } catch (TimeoutException e) {
            timeouts.increment();
            worker.interrupt();
            LOG.warn("call {}: no decision within the deadline; answered fail-safe (x5u-timeout, {})", call.callId(),
                    failsafeAction.token());
            return failsafe(call, Reason.X5U_TIMEOUT);
        } catch (ExecutionException e) {
            errors.increment();
            LOG.error("call {}: the screener failed: {}", call.callId(), e.getCause().toString());
            return failsafe(call, Reason.INTERNAL_ERROR);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            worker.interrupt();
            return failsafe(call, Reason.INTERNAL_ERROR);
        }
    }

    Decision failsafe(CallAttempt call, Reason reason) {
        Verdict v = new Verdict(Verdict.Status.FAIL, null, reason, null, null, null, null, null, null, null,
                call.callerTn(), call.calledTn(), null);
        return new Decision(call, v, null, "FAIL", failsafeAction, reason.code(), reason.sipCode(),
                failsafeAction == Action.TAG ? FAILSAFE_TAG : null, 0);
    }
}
