package org.stirshield.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

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
 * stops passing the freshness check), never longer. Memory is bounded: at most {@code maximumSize}
 * PASSporTs, and per PASSporT at most {@link #MAX_CALLS_PER_DIGEST} call ids (beyond that every further
 * sighting is counted as another call). A PASSporT pushed out by the size bound before it expired is counted
 * ({@link #evictedBeforeExpiry()}): a replay of it would go unseen, so the bound is sized from the window and
 * the peak call rate ({@link ReplaySettings}). Thread-safe; each observation is O(1) amortised.
 *
 * <p>Why not a general-purpose cache: every call with a PASSporT adds an entry that lives for the whole
 * window (60–121 s), so at 1,000 calls/s the window holds 60,000–121,000 of them. Kept as objects (a map
 * node, a cache node, an expiry, the digest string: about 310 bytes in 8 objects each), they survive every
 * young collection of the window, and copying them was most of a young pause at high call rates
 * (docs/performance.md). Here the window is an open-addressing table in primitive arrays: the digest as four
 * {@code long}s, the expiry as epoch milliseconds, and per slot one reference: the call id (the common case:
 * one call per PASSporT) or, for a PASSporT seen on more than one call or without a call id, its
 * {@link Sightings}. An entry costs no object of its own beyond the call id string the call already made.
 * Slots are found by linear probing from a position mixed with a per-instance random seed (a signer cannot
 * grind PASSporTs into one probe chain); expired entries are deleted by a sweep of a few slots per observation
 * and whenever the table is rebuilt, with backward-shift deletion (no tombstones).
 */
public final class ReplayDetector {
    /** Distinct call ids remembered per PASSporT. */
    static final int MAX_CALLS_PER_DIGEST = 64;
    /** Slots the table starts with (it doubles as it fills, up to twice {@code maximumSize}). */
    static final int INITIAL_CAPACITY = 1024;
    /** Slots the sweep looks at per observation: a whole table every {@code capacity / 4} observations. */
    private static final int SWEEP_PER_OBSERVATION = 4;
    /** At the size bound, expired entries are purged at most this often, at most {@link #PURGE_SLOTS} slots each time. */
    private static final long PURGE_INTERVAL_MILLIS = 1000;
    /** Slots one purge at the size bound looks at: the lock is held for a bounded time whatever the table's size. */
    static final int PURGE_SLOTS = 1 << 16;

    private final long windowMillis;
    private final long maximumSize;
    private final int maxCapacity;
    private final long seed = ThreadLocalRandom.current().nextLong();

    // guarded by this
    private int mask;
    /** The SHA-256 digest of slot i in {@code keys[4i..4i+3]}. */
    private long[] keys;
    /** When the PASSporT in slot i is forgotten (epoch milliseconds). */
    private long[] expiry;
    /** Slot i's call: null (an empty slot), the one call id that carried it, or its {@link Sightings}. */
    private Object[] seen;
    /** Occupied slots, expired ones not yet deleted included. */
    private int occupied;
    private int sweepAt;
    private int purgeAt;
    private int evictAt;
    private long nextPurge = Long.MIN_VALUE;
    private long evicted;

    /**
     * @param window how long a PASSporT observed without an explicit expiry ({@link #observe(String, String,
     *     Instant)}) is remembered
     * @param maximumSize how many distinct PASSporTs to remember at most
     */
    public ReplayDetector(Duration window, long maximumSize) {
        if (window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("replay window must be positive: " + window);
        }
        if (maximumSize < 1 || maximumSize > ReplaySettings.MAX_ENTRIES_LIMIT) {
            throw new IllegalArgumentException("replay cache size must be 1.." + ReplaySettings.MAX_ENTRIES_LIMIT
                    + ": " + maximumSize);
        }
        this.windowMillis = Math.max(1, window.toMillis());
        this.maximumSize = maximumSize;
        this.maxCapacity = Math.max(2, Integer.highestOneBit((int) Math.min(1 << 30, 2 * maximumSize - 1)) << 1);
        allocate(Math.min(INITIAL_CAPACITY, maxCapacity));
    }

    /** {@link #observe(String, String, Instant, Instant)} remembering the PASSporT for the whole window. */
    public int observe(String digest, String callId, Instant now) {
        Instant at = now == null ? Instant.now() : now;
        return observe(digest, callId, at.plusMillis(windowMillis), at);
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
        long at = (now == null ? Instant.now() : now).toEpochMilli();
        long until = expiresAt == null ? at + windowMillis : expiresAt.toEpochMilli();
        if (until <= at) {
            until = at + windowMillis;
        }
        String hex = isLowerHexDigest(digest) ? digest : sha256Hex(digest);
        long k0 = HexFormat.fromHexDigitsToLong(hex, 0, 16);
        long k1 = HexFormat.fromHexDigitsToLong(hex, 16, 32);
        long k2 = HexFormat.fromHexDigitsToLong(hex, 32, 48);
        long k3 = HexFormat.fromHexDigitsToLong(hex, 48, 64);
        synchronized (this) {
            sweepAt = purge(at, sweepAt, SWEEP_PER_OBSERVATION);
            int i = find(k0, k1, k2, k3);
            if (seen[i] != null && expiry[i] > at) {
                return sighting(i, callId);
            }
            if (seen[i] != null) { // the same PASSporT after its window ended: a new window begins
                seen[i] = callId != null ? callId : Sightings.anonymous();
                expiry[i] = until;
                return 0;
            }
            if (makeRoom(at)) {
                i = find(k0, k1, k2, k3); // the table was rebuilt or an entry moved: the free slot moved
            }
            int b = i << 2;
            keys[b] = k0;
            keys[b + 1] = k1;
            keys[b + 2] = k2;
            keys[b + 3] = k3;
            expiry[i] = until;
            seen[i] = callId != null ? callId : Sightings.anonymous();
            occupied++;
            return 0;
        }
    }

    /**
     * PASSporTs held in memory: those in their window, and expired ones not deleted yet (the table deletes them as
     * it is used: a few slots per observation). O(1): the metrics endpoint reads it on every scrape.
     */
    public synchronized long size() {
        return occupied;
    }

    /** PASSporTs that can still be replayed at {@code now}, deleting every expired one first (for tests: O(table)). */
    synchronized long live(Instant now) {
        purge(now.toEpochMilli());
        return occupied;
    }

    /** The bound on {@link #size()} ({@code audit.replay.max_entries}). */
    public long maximumSize() {
        return maximumSize;
    }

    /** PASSporTs dropped by the size bound while they could still have been replayed. */
    public synchronized long evictedBeforeExpiry() {
        return evicted;
    }

    /** Slots in the table now (for tests: it grows to at most twice {@link #maximumSize()}, rounded up). */
    synchronized int capacity() {
        return mask + 1;
    }

    /** A further sighting of the PASSporT in slot i: how many other calls carried it before. */
    private int sighting(int i, String callId) {
        Object s = seen[i];
        if (s instanceof String only) {
            if (only.equals(callId)) {
                return 0; // a retransmission of the one call that carried it
            }
            Sightings more = new Sightings(only);
            seen[i] = more;
            return more.add(callId);
        }
        return ((Sightings) s).add(callId);
    }

    /** The slot holding this digest, or the empty slot where it belongs. */
    private int find(long k0, long k1, long k2, long k3) {
        int i = home(k0, k1, k2, k3);
        while (seen[i] != null) {
            int b = i << 2;
            if (keys[b] == k0 && keys[b + 1] == k1 && keys[b + 2] == k2 && keys[b + 3] == k3) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return i;
    }

    /** Where the digest's probe run starts: all four words, the instance's seed, murmur3's 64-bit finaliser. */
    private int home(long k0, long k1, long k2, long k3) {
        long h = k0 ^ Long.rotateLeft(k1, 16) ^ Long.rotateLeft(k2, 32) ^ Long.rotateLeft(k3, 48) ^ seed;
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (h ^ (h >>> 33)) & mask;
    }

    /**
     * Before a new entry: keeps the load at most one half (doubling up to {@link #maxCapacity}, then deleting
     * expired entries) and the entries below {@link #maximumSize}. Returns whether any slot moved.
     */
    private boolean makeRoom(long now) {
        int capacity = mask + 1;
        boolean moved = false;
        if (occupied + 1 > capacity >>> 1) {
            if (capacity < maxCapacity) {
                grow(capacity << 1, now);
                moved = true;
            } else if (occupied + 1 > capacity - (capacity >>> 2)) { // expired entries not swept: drop them all
                purge(now);
                moved = true;
            }
        }
        if (occupied >= maximumSize && now >= nextPurge) {
            purgeAt = purge(now, purgeAt, PURGE_SLOTS);
            nextPurge = now + PURGE_INTERVAL_MILLIS;
            moved = true;
        }
        while (occupied >= maximumSize) { // over the peak rate it was sized for: the next entry in slot order goes
            int i = evictAt;
            while (seen[i] == null) {
                i = (i + 1) & mask;
            }
            if (expiry[i] > now) {
                evicted++;
            }
            delete(i);
            evictAt = (i + 1) & mask;
            moved = true;
        }
        return moved;
    }

    /** Empties slot i, moving later entries of its probe run back so that every entry stays findable. */
    private void delete(int i) {
        int hole = i;
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (seen[j] == null) {
                break;
            }
            int k = j << 2;
            int h = home(keys[k], keys[k + 1], keys[k + 2], keys[k + 3]);
            // the entry at j may move to the hole unless its home lies cyclically in (hole, j]
            boolean stays = hole <= j ? hole < h && h <= j : hole < h || h <= j;
            if (!stays) {
                System.arraycopy(keys, j << 2, keys, hole << 2, 4);
                expiry[hole] = expiry[j];
                seen[hole] = seen[j];
                hole = j;
            }
        }
        seen[hole] = null;
        occupied--;
    }

    /** Deletes every expired entry, in place. */
    private void purge(long now) {
        purge(now, 0, mask + 1);
    }

    /** Deletes the expired entries among {@code slots} slots from {@code from}; returns the slot after them. */
    private int purge(long now, int from, int slots) {
        int i = from & mask;
        for (int n = 0; n < slots && n <= mask; ) {
            if (seen[i] != null && expiry[i] <= now) {
                delete(i); // a later entry may have moved into slot i: look at it again
            } else {
                i = (i + 1) & mask;
                n++;
            }
        }
        return i;
    }

    /** Re-inserts the unexpired entries into a table of {@code capacity} slots. */
    private void grow(int capacity, long now) {
        long[] oldKeys = keys;
        long[] oldExpiry = expiry;
        Object[] oldSeen = seen;
        allocate(capacity);
        for (int i = 0; i < oldSeen.length; i++) {
            if (oldSeen[i] == null || oldExpiry[i] <= now) {
                continue;
            }
            int b = i << 2;
            int j = find(oldKeys[b], oldKeys[b + 1], oldKeys[b + 2], oldKeys[b + 3]);
            System.arraycopy(oldKeys, b, keys, j << 2, 4);
            expiry[j] = oldExpiry[i];
            seen[j] = oldSeen[i];
            occupied++;
        }
    }

    private void allocate(int capacity) {
        mask = capacity - 1;
        keys = new long[capacity << 2];
        expiry = new long[capacity];
        seen = new Object[capacity];
        occupied = 0;
        sweepAt = 0;
        purgeAt = 0;
        evictAt = 0;
    }

    /** {@code Passport.digest()}'s form: 64 lowercase hex digits (the key is then read as four 64-bit words). */
    private static boolean isLowerHexDigest(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    /** A key in another form, as {@code Passport.digest()} would give its SHA-256: kept apart from every other key. */
    private static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The calls that carried one PASSporT seen on more than one call, or without a call id. */
    private static final class Sightings {
        private String onlyCall; // until the second distinct call
        private Set<String> calls; // from the second distinct call on
        private int anonymous; // sightings with no call id or beyond the per-digest cap

        Sightings(String onlyCall) {
            this.onlyCall = onlyCall;
        }

        static Sightings anonymous() {
            Sightings s = new Sightings(null);
            s.anonymous = 1;
            return s;
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
