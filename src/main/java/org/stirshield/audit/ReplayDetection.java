package org.stirshield.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.cert.Deadline;

/**
 * Replay detection as the service runs it: this instance's memory ({@link ReplayDetector}) and, when
 * {@code audit.replay.store} names one, the store shared by every instance ({@link RedisReplayStore}).
 *
 * <p>The store never decides a call's fate by being slow. Each call gives it at most {@code timeout} (20 ms by
 * default), less if the call's deadline is nearer. A store that times out, errs or is down puts detection in
 * {@link Mode#FALLBACK}: calls are then checked against this instance's memory only (which saw every call of
 * this instance all along), without touching the store, and a background prober checks the store every
 * {@code probe_interval}; when it answers within the timeout again, detection returns to
 * {@link Mode#SHARED} by itself. Each change of mode is logged once. A store that never answers costs at
 * most one timeout on the calls that were in flight when it stopped, and nothing afterwards.
 */
public final class ReplayDetection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayDetection.class);

    /** Where calls are checked now. */
    public enum Mode {
        /** {@code store: memory}: this instance only, by configuration */
        MEMORY,
        /** the shared store answers: every instance's calls are seen */
        SHARED,
        /** the shared store does not answer: this instance's memory only, until it does again */
        FALLBACK;

        /** The lowercase name used in metrics labels and /health/ready. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final ReplaySettings settings;
    private final ReplayDetector local;
    private final RedisReplayStore store;
    private final ScheduledExecutorService prober;
    private final AtomicReference<Mode> mode;
    private volatile Instant modeSince = Instant.now();
    private volatile String lastError;
    private volatile LongConsumer storeLatency = n -> { };
    private final LongAdder[] errors = new LongAdder[RedisReplayStore.Failure.values().length];
    private final LongAdder checkedShared = new LongAdder();
    private final LongAdder checkedLocal = new LongAdder();

    private ReplayDetection(ReplaySettings settings) {
        this.settings = settings;
        this.local = new ReplayDetector(settings.window().longest(), settings.maxEntries());
        for (int i = 0; i < errors.length; i++) {
            errors[i] = new LongAdder();
        }
        if (settings.store() == null) {
            store = null;
            prober = null;
            mode = new AtomicReference<>(Mode.MEMORY);
        } else {
            store = new RedisReplayStore(settings.store());
            ScheduledThreadPoolExecutor p = new ScheduledThreadPoolExecutor(1,
                    Thread.ofPlatform().name("replay-store-probe").daemon().factory());
            p.setRemoveOnCancelPolicy(true);
            prober = p;
            mode = new AtomicReference<>(Mode.FALLBACK);
        }
    }

    /**
     * Starts detection. With a shared store, connects to it once (up to about a second) so that a reachable
     * store is used from the first call; an unreachable one does not stop start-up: detection starts in
     * {@link Mode#FALLBACK} and the prober keeps trying.
     */
    public static ReplayDetection start(ReplaySettings settings) {
        ReplayDetection d = new ReplayDetection(settings);
        if (d.store != null) {
            d.modeSince = Instant.now();
            d.probe(true);
            long every = settings.store().probeInterval().toNanos();
            d.prober.scheduleWithFixedDelay(() -> d.probe(false), every, every, TimeUnit.NANOSECONDS);
        }
        return d;
    }

    /**
     * Records that call {@code callId} carried the PASSporT {@code digest} and returns how many other calls, on
     * any instance sharing the store, carried it while it could pass verification (0: not a replay).
     *
     * @param iat the PASSporT's iat (epoch seconds) or null: it is remembered until it stops passing freshness
     * @param deadline the call's decision deadline: the store gets at most the timeout, never beyond it
     */
    public int observe(String digest, String callId, Long iat, Instant now, Deadline deadline) {
        if (digest == null || digest.isEmpty()) {
            return 0;
        }
        Instant at = now == null ? Instant.now() : now;
        Instant expiresAt = settings.window().expiresAt(iat, at);
        Duration limit = storeLimit(deadline);
        if (store == null || mode.get() != Mode.SHARED || limit.toMillis() < 1) {
            int here = local.observe(digest, callId, expiresAt, at);
            checkedLocal.increment();
            return here;
        }
        // the FastAGI watchdog names the store (store_timeout) if the decision is late while waiting here; a
        // thread that must not wait is told so here, before this instance's memory has seen the digest (the
        // call runs again elsewhere and must not count itself as a replay)
        Deadline.Wait previous = deadline == null ? null : deadline.enter(Deadline.Wait.SHARED_STORE);
        try {
            int here = local.observe(digest, callId, expiresAt, at);
            long t0 = System.nanoTime();
            try {
                return answered(store.observe(digest, callId, Duration.between(at, expiresAt), limit), here, t0);
            } catch (RedisReplayStore.StoreException e) {
                return unanswered(e, here);
            }
        } finally {
            if (deadline != null) {
                deadline.leave(previous);
            }
        }
    }

    /**
     * {@link #observe} for a thread that must not wait: when the shared store is to be asked, this instance's
     * memory records the call at once, the store's operation is handed to its dispatchers, and the returned
     * future completes on a dispatcher's thread when the store answers (or fails: then with this instance's
     * count, as {@code observe} would). Otherwise it is complete on return. While the store is asked, the
     * deadline's marker names it ({@link Deadline#pending}), so a watchdog that answers first reports
     * {@code store_timeout}.
     */
    public CompletableFuture<Integer> observeLater(String digest, String callId, Long iat, Instant now,
            Deadline deadline) {
        if (digest == null || digest.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        Instant at = now == null ? Instant.now() : now;
        Instant expiresAt = settings.window().expiresAt(iat, at);
        Duration limit = storeLimit(deadline);
        int here = local.observe(digest, callId, expiresAt, at);
        if (store == null || mode.get() != Mode.SHARED || limit.toMillis() < 1) {
            checkedLocal.increment();
            return CompletableFuture.completedFuture(here);
        }
        Deadline.Wait previous = deadline == null ? null : deadline.pending(Deadline.Wait.SHARED_STORE);
        long t0 = System.nanoTime();
        long callDeadline = deadline == null ? System.nanoTime() + limit.toNanos() : deadline.nanoTime();
        CompletableFuture<Integer> shared = store.observeLater(digest, callId, Duration.between(at, expiresAt), limit,
                callDeadline);
        return shared.handle((n, failure) -> {
            if (deadline != null) {
                deadline.leave(previous);
            }
            if (failure instanceof RedisReplayStore.StoreException e) {
                return unanswered(e, here);
            }
            if (failure != null) {
                throw new IllegalStateException("replay store: " + failure, failure);
            }
            return answered(n, here, t0);
        });
    }

    /** What the store may take for a call: its timeout, less when the call's deadline is nearer. */
    private Duration storeLimit(Deadline deadline) {
        Duration limit = store == null ? Duration.ZERO : settings.store().timeout();
        return deadline != null && deadline.remaining().compareTo(limit) < 0 ? deadline.remaining() : limit;
    }

    /** The count once the store answered (asked at {@code t0}), counted as checked against it. */
    private int answered(int shared, int here, long t0) {
        storeLatency.accept(System.nanoTime() - t0);
        checkedShared.increment();
        return Math.max(shared, here); // the store may have lost what this instance remembers (a restart)
    }

    /**
     * This instance's count when the store did not answer: the failure counted and, unless the operation was
     * never sent (it waited for a dispatcher until its call's deadline), detection falls back.
     */
    private int unanswered(RedisReplayStore.StoreException e, int here) {
        errors[e.failure.ordinal()].increment();
        checkedLocal.increment();
        if (!e.expiredInQueue) {
            fallBack(e);
        }
        return here;
    }

    private void fallBack(RedisReplayStore.StoreException e) {
        lastError = e.failure.label() + ": " + e.getMessage();
        if (mode.compareAndSet(Mode.SHARED, Mode.FALLBACK)) {
            modeSince = Instant.now();
            LOG.warn("replay store {} failed ({}): replay detection falls back to this instance's memory until the"
                    + " store answers within {} ms again", settings.store().display(), lastError,
                    settings.store().timeout().toMillis());
            // the other connections are probably dead too (a restarted store): closed, and the store probed
            // again at once, off the call's thread
            prober.execute(() -> {
                store.discardIdle();
                probe(false);
            });
        }
    }

    /** One background check: open connections, PING within the timeout, switch mode when it changed. */
    private void probe(boolean first) {
        try {
            store.fill();
            store.ping(settings.store().timeout());
            if (mode.compareAndSet(Mode.FALLBACK, Mode.SHARED)) {
                Duration down = Duration.between(modeSince, Instant.now());
                modeSince = Instant.now();
                if (first) {
                    LOG.info("replay store {}: shared with every instance using it ({} connections)",
                            settings.store().display(), store.openConnections());
                } else {
                    LOG.info("replay store {} answers again after {} s: replay detection is shared again",
                            settings.store().display(), down.toSeconds());
                }
            }
        } catch (RedisReplayStore.StoreException e) {
            lastError = e.failure.label() + ": " + e.getMessage();
            if (first) {
                LOG.warn("replay store {} unreachable at start ({}): replay detection uses this instance's memory"
                        + " until it answers", settings.store().display(), lastError);
            } else if (mode.compareAndSet(Mode.SHARED, Mode.FALLBACK)) {
                modeSince = Instant.now();
                LOG.warn("replay store {} stopped answering ({}): replay detection falls back to this instance's"
                        + " memory until it answers again", settings.store().display(), lastError);
            }
            store.discardIdle();
        } catch (RuntimeException e) {
            LOG.error("replay store probe failed: {}", e.toString(), e);
        }
    }

    /** Whether calls are checked against the shared store now ({@link Mode#SHARED}): {@link #observe} may wait. */
    public boolean shared() {
        return mode.get() == Mode.SHARED;
    }

    /** Where calls are checked now. */
    public Mode mode() {
        return mode.get();
    }

    /** Since when the current {@link #mode()} holds. */
    public Instant modeSince() {
        return modeSince;
    }

    /** The store's last failure ({@code timeout: ...}), or null. */
    public String lastError() {
        return lastError;
    }

    /** The settings in force (window, sizing, store). */
    public ReplaySettings settings() {
        return settings;
    }

    /** This instance's memory (the whole detection with {@code store: memory}). */
    public ReplayDetector local() {
        return local;
    }

    /** Store operations of calls that failed, by failure ({@code timeout}, {@code error}, {@code unavailable}). */
    long storeErrors(RedisReplayStore.Failure f) {
        return errors[f.ordinal()].sum();
    }

    /** Calls checked against the shared store. */
    long checkedShared() {
        return checkedShared.sum();
    }

    /** Calls checked against this instance's memory only (no store configured, or it did not answer). */
    long checkedLocal() {
        return checkedLocal.sum();
    }

    /** Receives the duration (ns) of each successful store operation (for the latency histogram). */
    void onStoreLatency(LongConsumer nanos) {
        this.storeLatency = nanos == null ? n -> { } : nanos;
    }

    /** A one-line description for logs and /health/ready. */
    public String describe() {
        Mode m = mode.get();
        String window = "window " + settings.window().freshness().toSeconds() + " s past iat (at most "
                + settings.window().longest().toSeconds() + " s)";
        return switch (m) {
            case MEMORY -> "memory (this instance only), " + window + ", " + local.size() + "/" + local.maximumSize()
                    + " PASSporTs";
            case SHARED -> "shared store " + settings.store().display() + " reachable, " + window;
            case FALLBACK -> "DEGRADED: shared store " + settings.store().display() + " unreachable since "
                    + modeSince + " (" + lastError + "); checking against this instance's memory, " + window;
        };
    }

    @Override
    public void close() {
        if (prober != null) {
            prober.shutdownNow();
            try {
                prober.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (store != null) {
            store.close();
        }
    }
}
