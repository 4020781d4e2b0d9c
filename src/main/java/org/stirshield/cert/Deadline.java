package org.stirshield.cert;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A point on the monotonic clock by which a call must have its answer. Separate from the
 * verification time ("now" in {@code verify(CallAttempt, Instant)}), which tests and the CLI set to
 * any instant: the deadline always runs on {@link System#nanoTime()}.
 *
 * <p>It also carries what the decision is waiting on right now ({@link Wait}): code that blocks on
 * something slow (a certificate or CRL fetch, a shared store) marks it around the wait with
 * {@link #enter(Wait)} / {@link #leave(Wait)}, so that the FastAGI watchdog, when the deadline passes
 * without a decision, can name what was slow ({@code x5u_timeout}, {@code crl_timeout},
 * {@code store_timeout}) instead of guessing ({@code decision_timeout} when nothing was marked).
 *
 * <p>A deadline {@linkplain #withoutBlocking() without blocking} is for a thread that must never wait (the
 * FastAGI server's event loop): {@link #enter(Wait)} then throws {@link WouldBlock} instead of marking,
 * before the wait and before anything the wait guards has a side effect, so the caller can run the same
 * call again where it may block. Code that waits must call {@code enter} first; code that finds what it
 * needs ready (a cached certificate, a completed fetch) does not wait and does not enter.
 *
 * <p>A wait that holds no thread (a request whose answer continues the decision on another thread, like the
 * shared replay store's) is marked with {@link #pending(Wait)}, on either kind of deadline: a deadline without
 * blocking shares its marker with the one it was made from, which the watchdog reads.
 */
public final class Deadline {
    /** What a decision can be waiting on. */
    public enum Wait {
        /** Nothing marked: the decision itself (CPU, a pause, a lock). */
        DECISION,
        /** An x5u certificate fetch. */
        CERTIFICATE_FETCH,
        /** A CRL fetch. */
        CRL_FETCH,
        /** A shared store (e.g. the replay window in Redis/Valkey). */
        SHARED_STORE
    }

    /**
     * Thrown by {@link #enter(Wait)} on a deadline {@linkplain #withoutBlocking() without blocking}: the call
     * needs a wait this thread must not make. Not an error: code between {@code enter} and the thread that
     * chose not to block must let it through (never turn it into a verdict). One shared instance, no stack.
     */
    public static final class WouldBlock extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final WouldBlock INSTANCE = new WouldBlock();

        private WouldBlock() {
            super("the call needs a wait its thread must not make", null, false, false);
        }
    }

    private final long deadlineNanos;
    private final boolean mayBlock;
    /** Whose marker this deadline's waits are written to: itself, or the deadline it was made without blocking from. */
    private final Deadline marker;
    private volatile Wait waiting = Wait.DECISION;

    private Deadline(long deadlineNanos) {
        this(deadlineNanos, true, null);
    }

    private Deadline(long deadlineNanos, boolean mayBlock, Deadline marker) {
        this.deadlineNanos = deadlineNanos;
        this.mayBlock = mayBlock;
        this.marker = marker == null ? this : marker;
    }

    /** A deadline {@code budget} from now. */
    public static Deadline in(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos());
    }

    /** A deadline at {@code nanoTime} on the {@link System#nanoTime()} clock. */
    public static Deadline atNanos(long nanoTime) {
        return new Deadline(nanoTime);
    }

    /** No deadline at all (CLI, tests of logic that must not time out). */
    public static Deadline none() {
        return new Deadline(System.nanoTime() + Duration.ofDays(365).toNanos());
    }

    /** Time left, never negative. */
    public Duration remaining() {
        long left = deadlineNanos - System.nanoTime();
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }

    /** Nanoseconds left, never negative. */
    public long remainingNanos() {
        long left = deadlineNanos - System.nanoTime();
        return Math.max(0, left);
    }

    /** The deadline on the {@link System#nanoTime()} clock. */
    public long nanoTime() {
        return deadlineNanos;
    }

    public boolean expired() {
        return deadlineNanos - System.nanoTime() <= 0;
    }

    /**
     * The earlier of this deadline and {@code other} from now (it shares no wait marker with this one; it
     * may block only if this one may).
     */
    public Deadline atMost(Duration other) {
        long candidate = System.nanoTime() + other.toNanos();
        return candidate - deadlineNanos < 0 ? new Deadline(candidate, mayBlock, null) : this;
    }

    /**
     * The same instant for a thread that must not wait: {@link #enter(Wait)} throws {@link WouldBlock}. It marks
     * {@linkplain #pending(Wait) waits that hold no thread} on this deadline's marker.
     */
    public Deadline withoutBlocking() {
        return new Deadline(deadlineNanos, false, marker);
    }

    /** Whether code running under this deadline may wait ({@link #enter(Wait)} does not throw). */
    public boolean mayBlock() {
        return mayBlock;
    }

    /**
     * Marks that the decision now waits on {@code what}; returns the previous marker, to be given back to
     * {@link #leave(Wait)} when the wait is over (in a {@code finally}).
     *
     * @throws WouldBlock when this deadline is {@linkplain #withoutBlocking() without blocking}: do not wait
     */
    public Wait enter(Wait what) {
        if (!mayBlock) {
            throw WouldBlock.INSTANCE;
        }
        Wait previous = marker.waiting;
        marker.waiting = what;
        return previous;
    }

    /**
     * Marks that the decision now waits on {@code what} without holding a thread: a request was sent and its
     * answer continues the decision elsewhere. Allowed without blocking too. Returns the previous marker, to be
     * given back to {@link #leave(Wait)} when the answer (or its failure) arrives.
     */
    public Wait pending(Wait what) {
        Wait previous = marker.waiting;
        marker.waiting = what;
        return previous;
    }

    /**
     * The value of {@code f}, waited for at most until this deadline with the wait marked as {@code what}. A
     * future already complete is no wait: nothing is marked, and a deadline {@linkplain #withoutBlocking()
     * without blocking} takes its value as well.
     *
     * @throws WouldBlock when {@code f} is still running and this deadline must not block
     * @throws TimeoutException when the deadline passes first (the future goes on for later calls)
     */
    public <T> T await(CompletableFuture<T> f, Wait what)
            throws TimeoutException, ExecutionException, InterruptedException {
        if (f.isDone()) {
            return f.get();
        }
        Wait previous = enter(what);
        try {
            return f.get(Math.max(1, remainingNanos()), TimeUnit.NANOSECONDS);
        } finally {
            leave(previous);
        }
    }

    /** Ends a wait begun with {@link #enter(Wait)}. */
    public void leave(Wait previous) {
        marker.waiting = previous;
    }

    /** What the decision waits on now ({@link Wait#DECISION} when nothing is marked). */
    public Wait waitingFor() {
        return marker.waiting;
    }

    @Override
    public String toString() {
        return "Deadline[" + remaining().toMillis() + " ms left, " + marker.waiting + "]";
    }
}
