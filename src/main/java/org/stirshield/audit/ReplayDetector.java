package org.stirshield.audit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Replay detection: the same signed PASSporT seen on more than one call within its freshness window, e.g.
 * a spoofer replaying one genuinely signed call to robocall with a protected caller ID.
 *
 * <p>Keyed on the signed content ({@code Verdict.passportDigest()}: SHA-256 of {@code header.payload}),
 * never on the signature bytes: ECDSA signatures are malleable, so one PASSporT has many valid signatures
 * (PPT-15, docs/requirements.md). A retransmitted INVITE of the same call (same call id) is not a replay.
 *
 * <p>Memory is bounded: a Caffeine cache with {@code expireAfterWrite = window} and {@code maximumSize},
 * and per digest at most {@link #MAX_CALLS_PER_DIGEST} call ids (beyond that every further sighting is
 * counted as another call). Thread-safe; each observation is O(1).
 */
public final class ReplayDetector {
    /** Distinct call ids remembered per PASSporT. */
    static final int MAX_CALLS_PER_DIGEST = 64;

    private final Duration window;
    private final Cache<String, Sightings> seen;

    /**
     * @param window the PASSporT freshness window (verification {@code freshness}, 60 s by default): a token
     *     older than that fails as stale anyway
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
        this.seen = Caffeine.newBuilder()
                .expireAfterWrite(window)
                .maximumSize(maximumSize)
                .executor(Runnable::run) // evict on the caller's thread: memory stays bounded under load
                .build();
    }

    /**
     * Records that the call {@code callId} carried the PASSporT with signed-content digest {@code digest}
     * at {@code now}, and returns how many OTHER calls carried it within the window before (0: not a replay;
     * also 0 for a null digest). A null call id counts as a call of its own each time.
     */
    public int observe(String digest, String callId, Instant now) {
        if (digest == null || digest.isEmpty()) {
            return 0;
        }
        Instant at = now == null ? Instant.now() : now;
        AtomicInteger others = new AtomicInteger();
        seen.asMap().compute(digest, (k, s) -> {
            Sightings v = s == null ? new Sightings() : s;
            others.set(v.add(callId, at, window));
            return v;
        });
        return others.get();
    }

    /** PASSporTs currently remembered (approximate; for metrics and tests). */
    public long size() {
        seen.cleanUp();
        return seen.estimatedSize();
    }

    /**
     * The calls that carried one PASSporT, with when each was first seen. Guarded by the cache's compute.
     * Almost every PASSporT is seen on one call only, so that case keeps no map (about 300 bytes less).
     */
    private static final class Sightings {
        private String onlyCall;
        private Instant onlyAt;
        private LinkedHashMap<String, Instant> calls; // from the second distinct call on
        private int anonymous; // sightings with no call id or beyond the per-digest cap
        private Instant lastAnonymous;

        int add(String callId, Instant at, Duration window) {
            Instant horizon = at.minus(window);
            if (onlyAt != null && onlyAt.isBefore(horizon)) {
                onlyCall = null;
                onlyAt = null;
            }
            if (calls != null) {
                // forget calls that fell out of the window (oldest first: insertion order)
                for (Iterator<Map.Entry<String, Instant>> it = calls.entrySet().iterator(); it.hasNext(); ) {
                    if (it.next().getValue().isBefore(horizon)) {
                        it.remove();
                    } else {
                        break;
                    }
                }
            }
            if (lastAnonymous != null && lastAnonymous.isBefore(horizon)) {
                anonymous = 0;
                lastAnonymous = null;
            }
            int named = (onlyCall != null ? 1 : 0) + (calls == null ? 0 : calls.size());
            int known = named + anonymous;
            if (callId != null && (callId.equals(onlyCall) || (calls != null && calls.containsKey(callId)))) {
                return known - 1; // a retransmission of a call already seen: not a new call
            }
            if (callId == null || named >= MAX_CALLS_PER_DIGEST) {
                anonymous++;
                lastAnonymous = at;
            } else if (onlyCall == null && (calls == null || calls.isEmpty())) {
                onlyCall = callId;
                onlyAt = at;
            } else {
                if (calls == null) {
                    calls = new LinkedHashMap<>();
                }
                if (onlyCall != null) {
                    calls.put(onlyCall, onlyAt);
                    onlyCall = null;
                    onlyAt = null;
                }
                calls.put(callId, at);
            }
            return known;
        }
    }
}
