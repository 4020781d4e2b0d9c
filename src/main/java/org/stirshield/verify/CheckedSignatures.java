package org.stirshield.verify;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.stirshield.cert.Credential;
import org.stirshield.passport.Sha256;

/**
 * What ES256 said about recent Identity header values: per value, the SHA-256 of its bytes, the credential its
 * signature was checked with, and whether it verified. The part of the verified-PASSporT cache that reaches
 * back seconds ({@link VerifiedPassports}): a retransmitted INVITE (SIP timer T1: 0.5 s, then 1 s, 2 s, ...)
 * is parsed again but not verified again.
 *
 * <p>Primitive arrays, no object per entry: an entry lives for seconds, longer than the young generation
 * keeps anything at high call rates, and a cache of objects with that lifetime was most of a young pause
 * (docs/performance.md). The only reference per slot is to the credential it was checked with (kept alive
 * until the slot is reused: at most one per slot).
 *
 * <p>Set-associative: a value's slot is one of {@link #WAYS} in the set its digest (mixed with a per-instance
 * seed) selects; a new value takes an empty or expired way, else the way used longest ago (a value looked up
 * again, such as a retransmission, counts as used then). So an entry lasts about {@code entries} newer values
 * (fewer when its set happens to fill early: at least {@link #WAYS}), and never longer than the lifetime,
 * counted from when it was checked. Keyed on the full SHA-256 of a value's ASCII bytes (only ASCII values are
 * kept: one byte per character, so two values share an entry only if they are the same). Thread-safe.
 */
final class CheckedSignatures {
    /** Ways per set. */
    static final int WAYS = 8;

    private final long lifetimeNanos;
    private final int setMask;
    private final long seed = ThreadLocalRandom.current().nextLong();
    // guarded by this
    /** The SHA-256 of slot i's header value in {@code keys[4i..4i+3]}. */
    private final long[] keys;
    /** When slot i's signature was checked ({@link System#nanoTime()}): its lifetime counts from then. */
    private final long[] written;
    /** When slot i was last written or found ({@link System#nanoTime()}): the way used longest ago goes first. */
    private final long[] used;
    /** The credential slot i's signature was checked with; null: slot i is empty. */
    private final Credential[] credentials;
    /** Whether slot i's signature verified with its credential. */
    private final boolean[] valid;

    /**
     * @param entries about how many values to remember (rounded up to a power of two, at least {@link #WAYS})
     * @param lifetime how long an outcome is kept at most
     */
    CheckedSignatures(int entries, Duration lifetime) {
        int slots = Math.max(WAYS, Integer.highestOneBit(Math.max(1, entries - 1)) << 1);
        this.lifetimeNanos = lifetime.toNanos();
        this.setMask = slots / WAYS - 1;
        this.keys = new long[slots * 4];
        this.written = new long[slots];
        this.used = new long[slots];
        this.credentials = new Credential[slots];
        this.valid = new boolean[slots];
    }

    /** Whether {@code value} can be kept: ASCII only (an Identity header value is, unless it is hostile). */
    static boolean keepable(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** The key of a {@link #keepable} header value: the SHA-256 of its ASCII bytes, as four words. */
    static long[] key(String value) {
        ByteBuffer d = ByteBuffer.wrap(Sha256.digest(value.getBytes(StandardCharsets.US_ASCII)));
        return new long[] {d.getLong(0), d.getLong(8), d.getLong(16), d.getLong(24)};
    }

    /** Whether the value with this key verified with exactly this credential: TRUE/FALSE, or null when not known. */
    synchronized Boolean validWith(long[] key, Credential credential) {
        long now = System.nanoTime();
        int from = set(key) * WAYS;
        for (int i = from; i < from + WAYS; i++) {
            if (credentials[i] == credential && now - written[i] < lifetimeNanos && same(i, key)) {
                used[i] = now;
                return valid[i];
            }
        }
        return null;
    }

    /** Remembers that the value with this key did (or did not) verify with this credential. */
    synchronized void put(long[] key, Credential credential, boolean verified) {
        long now = System.nanoTime();
        int from = set(key) * WAYS;
        int slot = -1;
        for (int i = from; i < from + WAYS && slot < 0; i++) {
            if (credentials[i] != null && same(i, key)) {
                slot = i; // the same value checked with another credential: this outcome replaces it
            }
        }
        for (int i = from; i < from + WAYS && slot < 0; i++) {
            if (credentials[i] == null || now - written[i] >= lifetimeNanos) {
                slot = i;
            }
        }
        if (slot < 0) { // the way used longest ago
            slot = from;
            for (int i = from + 1; i < from + WAYS; i++) {
                if (used[i] - used[slot] < 0) {
                    slot = i;
                }
            }
        }
        System.arraycopy(key, 0, keys, slot * 4, 4);
        written[slot] = now;
        used[slot] = now;
        credentials[slot] = credential;
        valid[slot] = verified;
    }

    /** Outcomes held within their lifetime (for tests and the memory figure: O(slots)). */
    synchronized int size() {
        long now = System.nanoTime();
        int n = 0;
        for (int i = 0; i < credentials.length; i++) {
            if (credentials[i] != null && now - written[i] < lifetimeNanos) {
                n++;
            }
        }
        return n;
    }

    /** Slots (the bound on {@link #size()}). */
    int capacity() {
        return credentials.length;
    }

    private boolean same(int slot, long[] key) {
        int b = slot * 4;
        return keys[b] == key[0] && keys[b + 1] == key[1] && keys[b + 2] == key[2] && keys[b + 3] == key[3];
    }

    /** The set of a key: its first word mixed with the instance's seed (murmur3's 64-bit finaliser). */
    private int set(long[] key) {
        long h = key[0] ^ seed;
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (h ^ (h >>> 33)) & setMask;
    }
}
