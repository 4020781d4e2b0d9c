package org.stirshield.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.stirshield.passport.Sha256;

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
 * {@code long}s, the expiry as epoch milliseconds, and the one call that carried it (the common case) as a
 * 128-bit keyed hash of its call id in two more {@code long}s; only a PASSporT seen on more than one call or
 * without a call id has an object, its {@link Sightings}. An entry keeps no object alive, not even the call
 * id string: at 5,000 calls/s those strings alone were 300,000 objects that every young collection copied
 * until they were old enough to promote. The call id hash is keyed with a per-instance random salt, so a
 * caller cannot choose a call id that passes for another call's retransmission. Slots are found by linear
 * probing from a position mixed with a per-instance random seed (a signer cannot grind PASSporTs into one
 * probe chain); expired entries are deleted by a sweep of a few slots per observation and whenever the table
 * is rebuilt, with backward-shift deletion (no tombstones).
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
    /** Salt of the call id hash ({@link #callKey}). */
    private final byte[] salt = new byte[16];

    // guarded by this
    private int mask;
    /** The SHA-256 digest of slot i in {@code keys[4i..4i+3]}. */
    private long[] keys;
    /** When the PASSporT in slot i is forgotten (epoch milliseconds); 0: slot i is empty. */
    private long[] expiry;
    /** The one call that carried the PASSporT in slot i: its {@link #callKey} in {@code calls[2i..2i+1]}. */
    private long[] calls;
    /** Slot i's {@link Sightings} when more than one call or a call without id carried it; else null. */
    private Sightings[] seen;
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
        new java.security.SecureRandom().nextBytes(salt);
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
        if (until == 0) {
            until = 1; // 0 marks an empty slot (reachable only with a clock before 1970)
        }
        String hex = isLowerHexDigest(digest) ? digest : sha256Hex(digest);
        long k0 = HexFormat.fromHexDigitsToLong(hex, 0, 16);
        long k1 = HexFormat.fromHexDigitsToLong(hex, 16, 32);
        long k2 = HexFormat.fromHexDigitsToLong(hex, 32, 48);
        long k3 = HexFormat.fromHexDigitsToLong(hex, 48, 64);
        CallKey call = callId == null ? null : callKey(callId);
        synchronized (this) {
            sweepAt = purge(at, sweepAt, SWEEP_PER_OBSERVATION);
            int i = find(k0, k1, k2, k3);
            if (expiry[i] != 0 && expiry[i] > at) {
                return sighting(i, call);
            }
            if (expiry[i] != 0) { // the same PASSporT after its window ended: a new window begins
                first(i, call, until);
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
            first(i, call, until);
            occupied++;
            return 0;
        }
    }

    /** Slot i now holds its PASSporT's first sighting, by {@code call} (null: a call without id). */
    private void first(int i, CallKey call, long until) {
        expiry[i] = until;
        if (call == null) {
            seen[i] = Sightings.anonymous();
        } else {
            if (seen[i] != null) { // a reference store marks a card for the next young collection to scan, even a null
                seen[i] = null;
            }
            calls[i << 1] = call.high();
            calls[(i << 1) + 1] = call.low();
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
    private int sighting(int i, CallKey call) {
        Sightings s = seen[i];
        if (s == null) {
            CallKey only = new CallKey(calls[i << 1], calls[(i << 1) + 1]);
            if (only.equals(call)) {
                return 0; // a retransmission of the one call that carried it
            }
            s = new Sightings(only);
            seen[i] = s;
        }
        return s.add(call);
    }

    /**
     * A call id as 128 bits: SHA-256 of this instance's random salt and the call id, truncated. A caller does not
     * know the salt, so cannot make its call id collide with another call's (a replay passing for a retransmission).
     */
    private CallKey callKey(String callId) {
        MessageDigest sha = Sha256.digester();
        sha.update(salt);
        ByteBuffer d = ByteBuffer.wrap(sha.digest(callId.getBytes(StandardCharsets.UTF_8)));
        return new CallKey(d.getLong(0), d.getLong(8));
    }

    /** A call id's {@link #callKey}. */
    private record CallKey(long high, long low) {
    }

    /** The slot holding this digest, or the empty slot where it belongs. */
    private int find(long k0, long k1, long k2, long k3) {
        int i = home(k0, k1, k2, k3);
        while (expiry[i] != 0) {
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
            while (expiry[i] == 0) {
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
            if (expiry[j] == 0) {
                break;
            }
            int k = j << 2;
            int h = home(keys[k], keys[k + 1], keys[k + 2], keys[k + 3]);
            // the entry at j may move to the hole unless its home lies cyclically in (hole, j]
            boolean stays = hole <= j ? hole < h && h <= j : hole < h || h <= j;
            if (!stays) {
                System.arraycopy(keys, j << 2, keys, hole << 2, 4);
                System.arraycopy(calls, j << 1, calls, hole << 1, 2);
                expiry[hole] = expiry[j];
                if (seen[hole] != seen[j]) {
                    seen[hole] = seen[j];
                }
                hole = j;
            }
        }
        expiry[hole] = 0;
        if (seen[hole] != null) {
            seen[hole] = null;
        }
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
            if (expiry[i] != 0 && expiry[i] <= now) {
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
        long[] oldCalls = calls;
        Sightings[] oldSeen = seen;
        allocate(capacity);
        for (int i = 0; i < oldSeen.length; i++) {
            if (oldExpiry[i] == 0 || oldExpiry[i] <= now) { // empty or expired
                continue;
            }
            int b = i << 2;
            int j = find(oldKeys[b], oldKeys[b + 1], oldKeys[b + 2], oldKeys[b + 3]);
            System.arraycopy(oldKeys, b, keys, j << 2, 4);
            System.arraycopy(oldCalls, i << 1, calls, j << 1, 2);
            expiry[j] = oldExpiry[i];
            seen[j] = oldSeen[i];
            occupied++;
        }
    }

    private void allocate(int capacity) {
        mask = capacity - 1;
        keys = new long[capacity << 2];
        expiry = new long[capacity];
        calls = new long[capacity << 1];
        seen = new Sightings[capacity];
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
        return HexFormat.of().formatHex(Sha256.digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** The calls that carried one PASSporT seen on more than one call, or without a call id. */
    private static final class Sightings {
        private CallKey onlyCall; // until the second distinct call
        private Set<CallKey> calls; // from the second distinct call on
        private int anonymous; // sightings with no call id or beyond the per-digest cap

        Sightings(CallKey onlyCall) {
            this.onlyCall = onlyCall;
        }

        static Sightings anonymous() {
            Sightings s = new Sightings(null);
            s.anonymous = 1;
            return s;
        }

        int add(CallKey callId) {
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
