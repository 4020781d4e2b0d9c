package org.stirshield.agi;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The screener with a watchdog: whatever the pipeline does, the call has its answer by its deadline
 * plus {@link #MARGIN}. The screener runs on the session's own thread and gets the deadline; it should
 * honour it itself (a slow certificate fetch ends as reason {@code x5u_timeout}). If it has not returned
 * by then, the watchdog answers Asterisk with a fail-safe decision (STIR_STATUS=FAIL, the configured
 * {@code server.failsafe_action}, and a reason naming what the decision was waiting on:
 * {@code x5u_timeout}, {@code crl_timeout}, {@code store_timeout}, or {@code decision_timeout}) and ends
 * the AGI session, so the dialplan goes on; the screener's late decision is then discarded. A screener
 * that throws or returns nothing gives the fail-safe decision with reason {@code internal_error}.
 * Exactly one answer is sent and exactly one decision recorded.
 *
 * <p>No timer is scheduled per call: arming the watchdog is a write to the session's {@link Watch}, which
 * one {@link Sweeper} thread looks at on a coarse tick (no wake-up of another thread per call, no
 * per-call entry in a shared timer queue).
 */
final class GuardedScreener {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedScreener.class);
    /** How long past the call's deadline the watchdog waits for the screener's own answer. */
    static final Duration MARGIN = Duration.ofMillis(100);
    /** The caller-name prefix written when the fail-safe action is {@code tag}. */
    static final String FAILSAFE_TAG = "[UNVERIFIED] ";

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
        void send(Decision decision, boolean late) throws IOException;
    }

    /**
     * One call being screened, as the watchdog sees it. Its value is who answers: OPEN until the
     * screener's decision (CLAIMED) or the watchdog (FAILSAFE) takes it.
     */
    static final class Watch extends AtomicInteger {
        private static final long serialVersionUID = 1L;
        final transient CallAttempt call;
        final transient Deadline deadline;
        final transient Answer answer;
        final long startedNanos;
        /** When the watchdog answers, on the {@link System#nanoTime()} clock. */
        final long firesAt;
        volatile transient CompletableFuture<Void> late;

        Watch(CallAttempt call, Deadline deadline, Answer answer, long startedNanos) {
            super(OPEN);
            this.call = call;
            this.deadline = deadline;
            this.answer = answer;
            this.startedNanos = startedNanos;
            this.firesAt = deadline.nanoTime() + MARGIN.toNanos();
        }

        boolean claim() {
            return get() == CLAIMED || compareAndSet(OPEN, CLAIMED);
        }
    }

    GuardedScreener(CallScreener screener, Action failsafeAction) {
        this.screener = screener;
        this.failsafeAction = failsafeAction;
    }

    /**
     * Screens {@code call} and sends exactly one decision through {@code answer}; returns once it is sent.
     * {@code slot} is where the {@link Sweeper} finds the call while it is being screened.
     */
    void screen(Worker slot, CallAttempt call, Deadline deadline, Answer answer) throws IOException {
        long started = System.nanoTime();
        Watch w = new Watch(call, deadline, answer, started);
        slot.watch = w;
        Decision d;
        boolean failed = false;
        try {
            d = screener.screen(call, deadline, w::claim);
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
            slot.watch = null;
        }
        // ours if the screener claimed the answer, or did not try (one that records nothing, or failed)
        if (w.claim()) {
            if (failed) {
                d = record(d, started);
            }
            answer.send(d, false);
            return;
        }
        LOG.debug("call {}: decision after the deadline discarded: {} {}", call.callId(), d.status(), d.reason());
        try {
            w.late.get(); // the session must not close the socket under the watchdog's answer
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Called by the {@link Sweeper} when {@code w}'s time is up: answers fail-safe unless the screener already did. */
    void expire(Watch w) {
        if (w.get() != OPEN) {
            return;
        }
        CompletableFuture<Void> late = new CompletableFuture<>();
        w.late = late; // published before the claim: the session reads it only after seeing FAILSAFE
        if (!w.compareAndSet(OPEN, FAILSAFE)) {
            return;
        }
        timeouts.increment();
        Reason reason = reasonFor(w.deadline.waitingFor());
        LOG.warn("call {}: no decision within the deadline (waiting on {}); answered fail-safe ({}, {})",
                w.call.callId(), w.deadline.waitingFor(), reason.code(), failsafeAction.token());
        Thread.ofVirtual().name("agi-failsafe").start(() -> {
            try {
                Decision f = record(failsafe(w.call, reason), w.startedNanos);
                w.answer.send(f, true);
                late.complete(null);
            } catch (Throwable t) {
                late.completeExceptionally(t);
            }
        });
    }

    /** The watchdog's reason: what the decision was waiting on when its time was up. */
    static Reason reasonFor(Deadline.Wait waiting) {
        return switch (waiting) {
            case CERTIFICATE_FETCH -> Reason.X5U_TIMEOUT;
            case CRL_FETCH -> Reason.CRL_TIMEOUT;
            case SHARED_STORE -> Reason.STORE_TIMEOUT;
            case DECISION -> Reason.DECISION_TIMEOUT;
        };
    }

    /**
     * Decides and records a call whose request could not be read whole (the screener's policy applies);
     * never throws.
     */
    Decision unverified(CallAttempt call, Reason reason, String detail) {
        long started = System.nanoTime();
        try {
            Decision d = screener.decideUnverified(call, reason, detail);
            if (d != null && d.status() != null) {
                return d;
            }
            LOG.error("call {}: the screener returned no decision for {}", call.callId(), reason.code());
        } catch (RuntimeException | StackOverflowError e) {
            LOG.error("call {}: the screener failed on {}: {}", call.callId(), reason.code(), e.toString());
        }
        errors.increment();
        return record(failsafe(call, reason), started);
    }

    /** Records the fail-safe decision; returns it as the screener recorded it (e.g. with the protected match). */
    private Decision record(Decision failsafe, long startedNanos) {
        try {
            Decision recorded = screener.recordFailSafe(failsafe, Duration.ofNanos(System.nanoTime() - startedNanos));
            return recorded != null && recorded.status() != null ? recorded : failsafe;
        } catch (RuntimeException e) {
            LOG.error("call {}: cannot record the fail-safe answer: {}", failsafe.call().callId(), e.toString());
            return failsafe;
        }
    }

    Decision failsafe(CallAttempt call, Reason reason) {
        Verdict v = CallScreener.unverified(reason, null, call.callerTn(), call.calledTn());
        return new Decision(call, v, null, "FAIL", failsafeAction, reason.code(), reason.sipCode(),
                failsafeAction == Action.TAG ? FAILSAFE_TAG + presented(call) : null, 0);
    }

    /** The name the caller presented (what the fail-safe tag is put in front of), or nothing. */
    private static String presented(CallAttempt call) {
        return call.callerName() == null || call.callerName().isBlank() ? "" : call.callerName();
    }
}
