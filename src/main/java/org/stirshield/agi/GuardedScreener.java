package org.stirshield.agi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.asteriskjava.fastagi.AgiException;
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
 * The screener with a watchdog: whatever the pipeline does, the call has its answer by its deadline
 * plus {@link #MARGIN}. The screener runs on the session's own thread and gets the deadline; it should
 * honour it itself (a slow certificate fetch ends as reason {@code x5u_timeout}). If it has not returned
 * by then, the watchdog answers Asterisk with a fail-safe decision (STIR_STATUS=FAIL, reason
 * {@code x5u_timeout}, the configured {@code server.failsafe_action}) and ends the AGI session, so the
 * dialplan goes on; the screener's late decision is then discarded. A screener that throws or returns
 * nothing gives the fail-safe decision with reason {@code internal_error}. Exactly one answer is sent.
 *
 * <p>(Screening on the session thread with a timer, rather than on a second thread the session waits
 * for, measured about 20–35% more sessions/s: no hand-off per call.)
 */
final class GuardedScreener {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedScreener.class);
    /** How long past the call's deadline the watchdog waits for the screener's own answer. */
    static final Duration MARGIN = Duration.ofMillis(100);
    /** The caller-name prefix written when the fail-safe action is {@code tag}. */
    static final String FAILSAFE_TAG = "[UNVERIFIED] ";

    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();
    private static final int OPEN = 0;
    private static final int CLAIMED = 1;
    private static final int FAILSAFE = 2;

    private final CallScreener screener;
    private final Action failsafeAction;
    final LongAdder timeouts = new LongAdder();
    final LongAdder errors = new LongAdder();

    /** Sends a decision to Asterisk; {@code late} when it is the watchdog's (then the session must end). */
    @FunctionalInterface
    interface Answer {
        void send(Decision decision, boolean late) throws AgiException;
    }

    GuardedScreener(CallScreener screener, Action failsafeAction) {
        this.screener = screener;
        this.failsafeAction = failsafeAction;
    }

    /** Screens {@code call} and sends exactly one decision through {@code answer}; returns once it is sent. */
    void screen(CallAttempt call, Deadline deadline, Answer answer) throws AgiException {
        long started = System.nanoTime();
        // who answers: OPEN until the screener's decision (CLAIMED) or the watchdog (FAILSAFE) takes it
        AtomicInteger owner = new AtomicInteger(OPEN);
        CompletableFuture<Void> lateAnswer = new CompletableFuture<>();
        ScheduledFuture<?> dog = WATCHDOG.schedule(() -> {
            if (owner.compareAndSet(OPEN, FAILSAFE)) {
                timeouts.increment();
                LOG.warn("call {}: no decision within the deadline; answered fail-safe (x5u_timeout, {})",
                        call.callId(), failsafeAction.token());
                Thread.ofVirtual().name("agi-failsafe").start(() -> {
                    try {
                        Decision f = failsafe(call, Reason.X5U_TIMEOUT);
                        record(f, started);
                        answer.send(f, true);
                        lateAnswer.complete(null);
                    } catch (Throwable t) {
                        lateAnswer.completeExceptionally(t);
                    }
                });
            }
        }, deadline.remaining().plus(MARGIN).toNanos(), TimeUnit.NANOSECONDS);

        Decision d;
        boolean failed = false;
        try {
            d = screener.screen(call, deadline, () -> owner.compareAndSet(OPEN, CLAIMED));
            if (d == null || d.status() == null) {
                errors.increment();
                LOG.error("call {}: the screener returned no decision", call.callId());
                d = failsafe(call, Reason.INTERNAL_ERROR);
                failed = true;
            }
        } catch (RuntimeException | StackOverflowError e) {
            errors.increment();
            LOG.error("call {}: the screener failed: {}", call.callId(), e.toString());
            d = failsafe(call, Reason.INTERNAL_ERROR);
            failed = true;
        } finally {
            dog.cancel(false);
        }
        // ours if the screener claimed the answer, or did not try (one that records nothing, or failed)
        if (owner.get() == CLAIMED || owner.compareAndSet(OPEN, CLAIMED)) {
            if (failed) {
                record(d, started);
            }
            answer.send(d, false);
            return;
        }
        LOG.debug("call {}: decision after the deadline discarded: {} {}", call.callId(), d.status(), d.reason());
        try {
            lateAnswer.get(); // the session must not close the socket under the watchdog's answer
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AgiException a) {
                throw a;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void record(Decision failsafe, long startedNanos) {
        try {
            screener.recordFailSafe(failsafe, Duration.ofNanos(System.nanoTime() - startedNanos));
        } catch (RuntimeException e) {
            LOG.error("call {}: cannot record the fail-safe answer: {}", failsafe.call().callId(), e.toString());
        }
    }

    Decision failsafe(CallAttempt call, Reason reason) {
        Verdict v = new Verdict(Verdict.Status.FAIL, null, reason, null, null, null, null, null, null, null,
                call.callerTn(), call.calledTn(), null);
        return new Decision(call, v, null, "FAIL", failsafeAction, reason.code(), reason.sipCode(),
                failsafeAction == Action.TAG ? FAILSAFE_TAG + presented(call) : null, 0);
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name("agi-watchdog").daemon().factory());
        t.setRemoveOnCancelPolicy(true); // a cancelled watchdog (the normal case) leaves no garbage queued
        return t;
    }

    /** The name the caller presented (what the fail-safe tag is put in front of), or nothing. */
    private static String presented(CallAttempt call) {
        return call.callerName() == null || call.callerName().isBlank() ? "" : call.callerName();
    }
}
