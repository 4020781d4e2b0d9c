package org.stirshield.audit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Replay detection in this instance's memory: the same signed PASSporT seen on more than one call while it
 * can still pass verification, e.g. a spoofer replaying one genuinely signed call to robocall with a
 * protected caller ID. With a shared store ({@code audit.replay.store: redis://...}) this is the fallback
 * when the store does not answer ({@link ReplayDetection}).
 *
 * <p>Keyed on the signed content ({@code Verdict.passportDigest()}: SHA-256 of {@code header.payload}),
 * never on the signature bytes: ECDSA signatures are malleable, so one PASSporT has many valid signatures
 * (PPT-15, docs/requirements.md). A retransmitted INVITE of the same call (same call id) is not a replay.
 *
 * <p>Each PASSporT is remembered until its {@code expiresAt} ({@link ReplayWindow#expiresAt}: the moment it
 * stops passing the freshness check), never longer. Memory is bounded: a Caffeine cache with that per-entry
 * expiry and {@code maximumSize}, and per PASSporT at most {@link #MAX_CALLS_PER_DIGEST} call ids (beyond
 * that every further sighting is counted as another call). A PASSporT pushed out by the size bound before it
 * expired is counted ({@link #evictedBeforeExpiry()}): a replay of it would go unseen, so the bound is sized
 * from the window and the peak call rate ({@link ReplaySettings}). Thread-safe; each observation is O(1).
 */
public final class ReplayDetector {
    /** Distinct call ids remembered per PASSporT. */
    static final int MAX_CALLS_PER_DIGEST = 64;

    private final Duration window;
    private final long maximumSize;
    private final Cache<String, Sightings> seen;
    private final LongAdder evicted = new LongAdder();

    /**
     * @param window how long a PASSporT observed without an explicit expiry ({@link #observe(String, String,
     *     Instant)}) is remembered
     * @param maximumSize how many distinct PASSporTs to remember at most
     */
    public ReplayDetector(Duration window, long maximumSize) {
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("replay window must be positive: " + window);
        }
        if (maximumSize < 1) {
            throw new IllegalArgumentException("replay cache size must be positive: " + maximumSize);
        }
        this.window = window;
        this.maximumSize = maximumSize;
        this.seen = Caffeine.newBuilder()
                .expireAfter(new Expiry<String, Sightings>() {
                    @Override
                    public long expireAfterCreate(String key, Sightings s, long currentTime) {
                        return s.ttlNanos;
                    }

                    @Override
                    public long expireAfterUpdate(String key, Sightings s, long currentTime, long currentDuration) {
                        return s.renewed ? s.ttlNanos : currentDuration;
                    }

                    @Override
                    public long expireAfterRead(String key, Sightings s, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .maximumSize(maximumSize)
                .evictionListener((String k, Sightings v, RemovalCause cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        evicted.increment();
                    }
                })
                .executor(Runnable::run) // evict on the caller's thread: memory stays bounded under load
                .build();
    }

    /** {@link #observe(String, String, Instant, Instant)} remembering the PASSporT for the whole window. */
    public int observe(String digest, String callId, Instant now) {
        Instant at = now == null ? Instant.now() : now;
        return observe(digest, callId, at.plus(window), at);
    }

    /**
     * Records that the call {@code callId} carried the PASSporT with signed-content digest {@code digest} at
     * {@code now}, and returns how many OTHER calls carried it before (0: not a replay; also 0 for a null
     * digest). A null call id counts as a call of its own each time.
     *
     * @param expiresAt when this PASSporT can no longer pass verification: it is forgotten then
     */
    public int observe(String digest, String callId, Instant expiresAt, Instant now) {
        if (digest == null || digest.isEmpty()) {
            return 0;
        }
        Instant at = now == null ? Instant.now() : now;
        Instant until = expiresAt == null || !expiresAt.isAfter(at) ? at.plus(window) : expiresAt;
        AtomicInteger others = new AtomicInteger();
        seen.asMap().compute(digest, (k, s) -> {
            Sightings v = s;
            boolean renewed = false;
            if (v == null || !v.expiresAt.isAfter(at)) { // new, or expired but not yet cleaned up
                v = new Sightings(until);
                renewed = true;
            }
            v.renewed = renewed;
            v.ttlNanos = Math.max(1, Duration.between(at, v.expiresAt).toNanos());
            others.set(v.add(callId));
            return v;
        });
        return others.get();
    }

    /** PASSporTs currently remembered (approximate; for metrics and tests). */
    public long size() {
        seen.cleanUp();
        return seen.estimatedSize();
    }

    /** The bound on {@link #size()} ({@code audit.replay.max_entries}). */
    public long maximumSize() {
        return maximumSize;
    }

    /** PASSporTs dropped by the size bound while they could still have been replayed. */
    public long evictedBeforeExpiry() {
        return evicted.sum();
    }

    /** The calls that carried one PASSporT. Guarded by the cache's compute. */
    private static final class Sightings {
        final Instant expiresAt;
        long ttlNanos;
        boolean renewed;
        private String onlyCall; // almost every PASSporT is seen on one call only: no set for that case
        private Set<String> calls; // from the second distinct call on
        private int anonymous; // sightings with no call id or beyond the per-digest cap

        Sightings(Instant expiresAt) {
            this.expiresAt = expiresAt;
        }

        int add(String callId) {
            int named = calls != null ? calls.size() : onlyCall != null ? 1 : 0;
            int known = named + anonymous;
            if (callId != null && (callId.equals(onlyCall) || (calls != null && calls.contains(callId)))) {
                return known - 1; // a retransmission of a call already seen: not a new call
            }
            if (callId == null || named >= MAX_CALLS_PER_DIGEST) {
                anonymous++;
            } else if (named == 0) {
                onlyCall = callId;
            } else {
                if (calls == null) {
                    calls = new HashSet<>();
                    calls.add(onlyCall);
                    onlyCall = null;
                }
                calls.add(callId);
            }
            return known;
        }
    }
}
