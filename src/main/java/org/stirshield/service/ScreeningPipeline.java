package org.stirshield.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.stirshield.audit.DecisionRecorder;
import org.stirshield.audit.StageTimings;
import org.stirshield.cert.Deadline;
import org.stirshield.cert.FetchPriority;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.passport.TnCanonicalizer;
import org.stirshield.policy.PolicyEngine;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;
import org.stirshield.verify.Verifier;

/**
 * One call's decision, in the order data flows: verify → replay detection → policy → audit record and
 * metrics (the policy is first asked only whether the caller claims a protected number, which decides the
 * priority of a certificate fetch). Never throws: a failure inside becomes an {@code internal_error} decision (tagged, not
 * silently allowed) that is still audited.
 */
final class ScreeningPipeline implements CallScreener {
    private static final Logger LOG = LoggerFactory.getLogger(ScreeningPipeline.class);

    private final Verifier verifier;
    private final PolicyEngine policy;
    private final DecisionRecorder recorder;
    private final Clock clock;

    ScreeningPipeline(Verifier verifier, PolicyEngine policy, DecisionRecorder recorder, Clock clock) {
        this.verifier = verifier;
        this.policy = policy;
        this.recorder = recorder;
        this.clock = clock;
    }

    @Override
    public Decision screen(CallAttempt call, Deadline deadline) {
        return screen(call, deadline, () -> true);
    }

    @Override
    public Decision screen(CallAttempt call, Deadline deadline, BooleanSupplier claimAnswer) {
        return inCallContext(call, () -> decide(call, deadline, claimAnswer));
    }

    /** Runs {@code work} with log events carrying the call's ids (logging.format: json writes them as fields). */
    private static <T> T inCallContext(CallAttempt call, Supplier<T> work) {
        try (MDC.MDCCloseable u = MDC.putCloseable("unique_id", call.callId());
                MDC.MDCCloseable c = MDC.putCloseable("call_id", call.sip().callId())) {
            return work.get();
        }
    }

    @Override
    public CompletableFuture<Decision> screenLater(CallAttempt call, Deadline deadline, BooleanSupplier claimAnswer,
            Executor continueOn) {
        if (!recorder.replay().shared()) {
            return CompletableFuture.completedFuture(screen(call, deadline, claimAnswer));
        }
        return inCallContext(call, () -> decideLater(call, deadline, claimAnswer, continueOn));
    }

    private Decision decide(CallAttempt call, Deadline deadline, BooleanSupplier claimAnswer) {
        long t0 = System.nanoTime();
        Instant now = clock.instant();
        Verdict verdict;
        try {
            verdict = verifier.verify(call, now, deadline, fetchPriority(call));
        } catch (Deadline.WouldBlock e) {
            throw e; // nothing recorded: the caller runs the call again on a thread that may wait
        } catch (RuntimeException | Error e) {
            return failed(call, e, t0, t0, now, claimAnswer);
        }
        long t1 = System.nanoTime();
        int replayCount;
        try {
            // Only a PASSporT that verified can be a replay of a genuine call (PPT-15: keyed on signed content).
            replayCount = verdict.status() == Verdict.Status.PASS ? recorder.replayCount(call, verdict, now, deadline) : 0;
        } catch (Deadline.WouldBlock e) {
            throw e;
        } catch (RuntimeException | Error e) {
            return failed(call, e, t0, t1, now, claimAnswer);
        }
        return decided(call, verdict, replayCount, t0, t1, now, claimAnswer);
    }

    /**
     * {@link #decide} with the shared replay store asked without waiting: the policy and the record run on
     * {@code continueOn} when its answer is in (never on the store's dispatcher, which must stay free for the
     * other calls' round trips).
     */
    private CompletableFuture<Decision> decideLater(CallAttempt call, Deadline deadline, BooleanSupplier claimAnswer,
            Executor continueOn) {
        long t0 = System.nanoTime();
        Instant now = clock.instant();
        Verdict verdict;
        CompletableFuture<Integer> replayCount;
        long t1;
        try {
            verdict = verifier.verify(call, now, deadline, fetchPriority(call));
            t1 = System.nanoTime();
            if (verdict.status() != Verdict.Status.PASS) {
                return CompletableFuture.completedFuture(decided(call, verdict, 0, t0, t1, now, claimAnswer));
            }
            replayCount = recorder.replayCountLater(call, verdict, now, deadline);
        } catch (Deadline.WouldBlock e) {
            throw e;
        } catch (RuntimeException | Error e) {
            return CompletableFuture.completedFuture(failed(call, e, t0, t0, now, claimAnswer));
        }
        BiFunction<Integer, Throwable, Decision> rest = (n, failure) -> inCallContext(call, () -> failure != null
                ? failed(call, failure, t0, t1, now, claimAnswer) : decided(call, verdict, n, t0, t1, now, claimAnswer));
        // an answer already in (memory, fallback) is taken at once, on this thread
        return replayCount.isDone() ? replayCount.handle(rest) : replayCount.handleAsync(rest, continueOn);
    }

    /** Applies the policy and records the decision (if claimed). */
    private Decision decided(CallAttempt call, Verdict verdict, int replayCount, long t0, long t1, Instant now,
            BooleanSupplier claimAnswer) {
        Decision decision;
        try {
            decision = policy.decide(call, verdict, replayCount, call.callerName());
        } catch (RuntimeException | Error e) {
            return failed(call, e, t0, t1, now, claimAnswer);
        }
        return recorded(decision, t0, t1, now, claimAnswer);
    }

    /** The {@code internal_error} decision for a failure inside, recorded (if claimed). */
    private Decision failed(CallAttempt call, Throwable e, long t0, long t1, Instant now, BooleanSupplier claimAnswer) {
        LOG.error("internal error deciding call {} ({} → {}): {}", call.callId(), call.callerTn(), call.calledTn(),
                e.toString(), e);
        return recorded(internalError(call), t0, t1, now, claimAnswer);
    }

    private Decision recorded(Decision decision, long t0, long t1, Instant now, BooleanSupplier claimAnswer) {
        long t2 = System.nanoTime();
        StageTimings timings = StageTimings.ofNanos(t1 - t0, t2 - t1, t2 - t0);
        if (claimAnswer.getAsBoolean()) {
            recorder.record(decision, timings, now);
        } else {
            LOG.warn("call {}: decision ({} {}) came after the fail-safe answer; the fail-safe answer is on record",
                    decision.call().callId(), decision.status(), decision.reason());
        }
        return decision;
    }

    /**
     * A call whose caller ID claims a protected number gets its certificate fetch first when fetch slots are
     * short (so a flood of fetches for unprotected spoofed calls cannot leave protected numbers unverified).
     */
    private FetchPriority fetchPriority(CallAttempt call) {
        return claimedEntry(verifier.canonicalizer().canonicalize(call.callerTn())) != null
                ? FetchPriority.PROTECTED_CALLER : FetchPriority.ORDINARY;
    }

    /** The protected entry a canonical caller TN claims, or null (also when there is no TN). */
    private ProtectedMatch claimedEntry(String canonicalCaller) {
        return canonicalCaller == null ? null : policy.lookup(canonicalCaller);
    }

    /** Every wait below (certificate, CRL, RCD content, shared replay store) is marked with {@code Deadline.enter}. */
    @Override
    public boolean marksItsWaits() {
        return true;
    }

    @Override
    public Decision decideUnverified(CallAttempt call, Reason reason, String detail) {
        long t0 = System.nanoTime();
        Instant now = clock.instant();
        Decision decision;
        try {
            TnCanonicalizer tn = verifier.canonicalizer();
            Verdict verdict = CallScreener.unverified(reason, detail, tn.canonicalize(call.callerTn()),
                    tn.canonicalize(call.calledTn()));
            decision = policy.decide(call, verdict, 0, call.callerName());
        } catch (RuntimeException | Error e) {
            LOG.error("internal error deciding unverifiable call {} ({}): {}", call.callId(), reason.code(), e.toString(), e);
            decision = internalError(call);
        }
        long t1 = System.nanoTime();
        recorder.record(decision, StageTimings.ofNanos(0, t1 - t0, t1 - t0), now);
        return decision;
    }

    @Override
    public Decision recordFailSafe(Decision decision, Duration elapsed) {
        Decision d = asDecided(decision);
        recorder.record(d, StageTimings.of(Duration.ZERO, Duration.ZERO, elapsed), clock.instant());
        return d;
    }

    /**
     * A fail-safe decision (the watchdog's, or one for a failed screener) completed as this pipeline's own are:
     * canonical caller and called TNs in the verdict, and the protected entry the caller claims (the same
     * lookup that chose the fetch priority), so its audit record, the traceback report and the per-agency
     * metrics count the call as claiming that number. The action, reason and SIP code stay the fail-safe's.
     * If even that lookup fails, the decision is recorded as it came.
     */
    private Decision asDecided(Decision f) {
        try {
            CallAttempt call = f.call();
            TnCanonicalizer tn = verifier.canonicalizer();
            String caller = tn.canonicalize(call.callerTn());
            Verdict canonical = f.verdict().withTns(caller, tn.canonicalize(call.calledTn()));
            return new Decision(call, canonical, f.match() != null ? f.match() : claimedEntry(caller), f.status(),
                    f.action(), f.reason(), f.sipCode(), f.callerName(), f.replayCount());
        } catch (RuntimeException e) {
            LOG.error("call {}: cannot complete the fail-safe decision: {}", f.call().callId(), e.toString());
            return f;
        }
    }

    /** The decision when StirShield itself failed: FAIL, tagged so the callee is warned, never a silent allow. */
    static Decision internalError(CallAttempt call) {
        Verdict v = CallScreener.unverified(Reason.INTERNAL_ERROR, null, null, null);
        return new Decision(call, v, null, "FAIL", Action.TAG, Reason.INTERNAL_ERROR.code(),
                Reason.INTERNAL_ERROR.sipCode(), null, 0);
    }
}
