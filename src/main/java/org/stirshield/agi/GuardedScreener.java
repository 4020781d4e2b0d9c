package org.stirshield.agi;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
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
 * plus {@link #MARGIN}.
 *
 * <p><b>Where the decision runs.</b> First on the session's event loop, with a deadline
 * {@linkplain Deadline#withoutBlocking() without blocking}: an unsigned call, or a signed one whose
 * certificate (and CRL) are cached, is decided there at once, with no other thread involved. With the
 * replay window in a shared store, the loop sends the store its question and goes on with other sessions;
 * when the store's dispatcher thread has the answer, the loop finishes the decision and sends it
 * ({@link CallScreener#screenLater}). A call that needs any other wait (a certificate or CRL fetch still
 * running, RCD content) is told so before the wait and before anything is recorded
 * ({@link Deadline.WouldBlock}); it then runs again, from the start, on a virtual thread of its own with the
 * real deadline (what the first attempt verified is in the verified-PASSporT cache, so the signature is not
 * checked twice), and its answer goes back to the loop. The pipeline should honour the deadline itself (a
 * slow certificate fetch ends as reason {@code x5u_timeout}).
 *
 * <p><b>The watchdog.</b> If a decision running on its own thread has not come back by deadline + margin,
 * the loop ({@link AgiSession#tick}) answers Asterisk with a fail-safe decision (STIR_STATUS=FAIL, the
 * configured {@code server.failsafe_action}, and a reason naming what the decision was waiting on:
 * {@code x5u_timeout}, {@code crl_timeout}, {@code store_timeout}, or {@code decision_timeout}) and ends the
 * AGI session, so the dialplan goes on; the late decision is then discarded. A screener that throws or
 * returns nothing gives the fail-safe decision with reason {@code internal_error}. Exactly one answer is
 * sent and exactly one decision recorded: the decision and the watchdog claim the answer with one atomic
 * step ({@link Watch}). No timer is scheduled per call.
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
    /** Whether calls are first tried on the loop: only for a screener that marks every wait. */
    private final boolean inline;
    /** Decisions that wait: a virtual thread each (at most one per session, so bounded by max_sessions). */
    private final Executor waiting = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("agi-decision-", 0).factory());
    final LongAdder timeouts = new LongAdder();
    final LongAdder errors = new LongAdder();
    /** Calls that needed a wait and were decided off the loop. */
    final LongAdder offLoop = new LongAdder();

    /** Sends the call's one decision to Asterisk (the screener's or the watchdog's). Runs on the session's loop. */
    @FunctionalInterface
    interface Answer {
        void send(Decision decision);
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

    /** The outcome of one attempt: the decision, and whether it is the fail-safe one for a failed screener. */
    private record Outcome(Decision decision, boolean failed) {
    }

    GuardedScreener(CallScreener screener, Action failsafeAction) {
        this.screener = screener;
        this.failsafeAction = failsafeAction;
        this.inline = screener.marksItsWaits();
    }

    /**
     * Screens {@code call} and sends exactly one decision through {@code answer}, on {@code session}'s loop:
     * at once when the decision needs no wait, else when it comes back (or the watchdog's, whichever is first).
     */
    void screen(AgiSession session, CallAttempt call, Answer answer) {
        Watch w = new Watch(call, session.deadline, answer, System.nanoTime());
        if (!inline) {
            offLoop(session, w);
            return;
        }
        CompletableFuture<Decision> later;
        try {
            later = screener.screenLater(call, session.deadline.withoutBlocking(), w::claim, session.loop::execute);
        } catch (Deadline.WouldBlock e) {
            offLoop(session, w);
            return;
        } catch (RuntimeException | StackOverflowError e) {
            deliver(w, outcome(call, null, e));
            return;
        }
        if (later == null || later.isDone()) {
            deliver(w, outcome(call, later));
            return;
        }
        // the shared replay store is asked; when its answer is in, the decision is finished and answered on the loop
        session.decidingOffLoop(w);
        later.whenComplete((d, failure) -> session.loop.execute(() -> {
            try {
                deliver(w, outcome(w.call, d, failure));
            } catch (RuntimeException | StackOverflowError e) {
                session.loop.failed(session, e);
            } finally {
                session.decidedOffLoop(w);
            }
        }));
    }

    /** Runs the decision on a thread of its own, watched by the session's loop, and answers on the loop. */
    private void offLoop(AgiSession session, Watch w) {
        offLoop.increment();
        session.decidingOffLoop(w);
        try {
            waiting.execute(() -> {
                Outcome decided = attempt(w, w.deadline);
                session.loop.execute(() -> {
                    try {
                        deliver(w, decided);
                    } catch (RuntimeException | StackOverflowError e) {
                        session.loop.failed(session, e);
                    } finally {
                        session.decidedOffLoop(w);
                    }
                });
            });
        } catch (RuntimeException | OutOfMemoryError full) { // no thread to be had: the watchdog answers
            LOG.error("call {}: cannot start the decision's thread: {}", w.call.callId(), full.toString());
        }
    }

    /** Runs the screener once; a failure becomes the fail-safe decision. */
    private Outcome attempt(Watch w, Deadline deadline) {
        try {
            return outcome(w.call, screener.screen(w.call, deadline, w::claim), null);
        } catch (RuntimeException | StackOverflowError e) {
            return outcome(w.call, null, e);
        }
    }

    /** The outcome of a completed {@link CallScreener#screenLater} (null: none returned). */
    private Outcome outcome(CallAttempt call, CompletableFuture<Decision> done) {
        if (done == null) {
            return outcome(call, null, null);
        }
        try {
            return outcome(call, done.join(), null);
        } catch (RuntimeException e) {
            return outcome(call, null, e.getCause() == null ? e : e.getCause());
        }
    }

    /** The screener's decision, or the fail-safe one when it failed or returned none. */
    private Outcome outcome(CallAttempt call, Decision d, Throwable failure) {
        if (failure == null && d != null && d.status() != null) {
            return new Outcome(d, false);
        }
        if (failure == null) {
            LOG.error("call {}: the screener returned no decision", call.callId());
        } else {
            LOG.error("call {}: the screener failed: {}", call.callId(), failure.toString());
        }
        errors.increment();
        return new Outcome(failsafe(call, Reason.INTERNAL_ERROR), true);
    }

    /** On the loop: answers with the decision if it is still the call's to give (the watchdog did not answer). */
    private void deliver(Watch w, Outcome o) {
        // ours if the screener claimed the answer, or did not try (one that records nothing, or failed)
        if (w.claim()) {
            w.answer.send(o.failed() ? record(o.decision(), w.startedNanos) : o.decision());
            return;
        }
        LOG.debug("call {}: decision after the deadline discarded: {} {}", w.call.callId(), o.decision().status(),
                o.decision().reason());
    }

    /** On the loop, when {@code w}'s time is up: answers fail-safe unless the screener already did. */
    void expire(Watch w) {
        if (!w.compareAndSet(OPEN, FAILSAFE)) {
            return;
        }
        timeouts.increment();
        Reason reason = reasonFor(w.deadline.waitingFor());
        LOG.warn("call {}: no decision within the deadline (waiting on {}); answered fail-safe ({}, {})",
                w.call.callId(), w.deadline.waitingFor(), reason.code(), failsafeAction.token());
        w.answer.send(record(failsafe(w.call, reason), w.startedNanos));
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
