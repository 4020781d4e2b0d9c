package org.stirshield.verify;

import java.time.Duration;
import org.stirshield.cert.Credential;
import org.stirshield.passport.IdentityHeader;
import org.stirshield.passport.Passport;
import org.stirshield.passport.PassportException;

/**
 * The verified-PASSporT cache: an Identity header value seen again (a forked INVITE, the same call through
 * a second PBX, a retransmitted INVITE, a replay flood) costs no second ES256 verification. Keyed on the
 * whole header value (the token with its signature and parameters). What is kept is only what depends on
 * those bytes alone: the parsed header and PASSporT (or the parse failure), its replay digest, and whether
 * the signature verifies with a given credential. Everything that depends on the call or the time is checked
 * again on every call: the certificate (from its cache, with its validity and revocation state at this call's
 * time), freshness at now, the TNAuthList scope and orig/dest against this call's numbers.
 *
 * <p>Two parts, so that what it keeps does not burden the garbage collector at high call rates:
 * <ul>
 *   <li>the last {@link #RECENT} distinct values, parsed ({@link Memo}): the same value again within them
 *       (a fork, a second PBX, a flood of one token) costs a hash lookup. At 5,000 calls/s they are 13 ms
 *       of traffic, so these objects die young;
 *   <li>the signature outcomes of the last {@code maxEntries} values ({@link CheckedSignatures}: primitive
 *       arrays, no object per entry): a value seen again seconds later (an INVITE retransmitted after
 *       500 ms, 1 s, 2 s) is parsed again but not verified again.
 * </ul>
 * Caffeine was here before. Its admission policy keeps a value seen once out of the cache, so at high rates
 * a retransmission half a second later missed; and the values it did admit stayed for seconds, long enough
 * for every young collection to copy their parsed JSON (docs/performance.md).
 *
 * <p>Bounded: at most {@code maxEntries} values of at most {@link #MAX_VALUE_CHARS} characters, each kept
 * for the freshness window at most (a token older than that is stale anyway).
 */
final class VerifiedPassports {
    /** Default {@code verification.passport_cache_entries}. */
    static final int DEFAULT_ENTRIES = 16384;
    /** Longer header values are verified every time, never kept. */
    static final int MAX_VALUE_CHARS = 4096;
    /** Parsed values kept (fewer when {@code maxEntries} is smaller). */
    static final int RECENT = 64;

    /** What one header value parses to, and the signature verdict for the credential it was checked with. */
    static final class Memo {
        /** The parsed header, or null when it did not parse ({@link #parseError}). */
        final IdentityHeader header;
        final PassportException parseError;
        /** The full-form PASSporT, or null (compact form: rebuilt per call; or {@link #decodeError}). */
        final Passport passport;
        final PassportException decodeError;
        /** The value parsed, when its signature outcome is shared through {@link #signatures}; else null. */
        private final String value;
        private final CheckedSignatures signatures;
        private final long parsedAt = System.nanoTime();
        private volatile String digest;
        private volatile Checked checked;
        private volatile long[] key;

        private record Checked(Credential credential, boolean valid) {
        }

        Memo(IdentityHeader header, PassportException parseError, Passport passport, PassportException decodeError) {
            this(header, parseError, passport, decodeError, null, null);
        }

        private Memo(IdentityHeader header, PassportException parseError, Passport passport, PassportException decodeError,
                String value, CheckedSignatures signatures) {
            this.header = header;
            this.parseError = parseError;
            this.passport = passport;
            this.decodeError = decodeError;
            this.value = value;
            this.signatures = signatures;
        }

        /** Parses {@code value} (header, then the full-form PASSporT), keeping the failures. */
        static Memo of(String value, int maxChars) {
            return of(value, maxChars, null);
        }

        private static Memo of(String value, int maxChars, CheckedSignatures signatures) {
            IdentityHeader h = null;
            PassportException pe = null;
            try {
                h = IdentityHeader.parse(value, maxChars);
            } catch (PassportException e) {
                pe = e;
            }
            Passport p = null;
            PassportException de = null;
            if (h != null && !h.compactForm()) {
                try {
                    p = Passport.decode(h.token());
                } catch (PassportException e) {
                    de = e;
                }
            }
            boolean shared = signatures != null && p != null && CheckedSignatures.keepable(value);
            return new Memo(h, pe, p, de, shared ? value : null, shared ? signatures : null);
        }

        /** Whether the signature was checked with exactly this credential: TRUE/FALSE, or null when not. */
        Boolean signatureValidWith(Credential c) {
            Checked k = checked;
            if (k != null && k.credential == c) {
                return k.valid;
            }
            Boolean known = signatures == null ? null : signatures.validWith(key(), c);
            if (known != null) {
                checked = new Checked(c, known);
            }
            return known;
        }

        void signatureChecked(Credential c, boolean valid) {
            checked = new Checked(c, valid);
            if (signatures != null) {
                signatures.put(key(), c, valid);
            }
        }

        String digest() {
            String d = digest;
            if (d == null) {
                d = passport.digest();
                digest = d;
            }
            return d;
        }

        private long[] key() {
            long[] k = key;
            if (k == null) {
                k = CheckedSignatures.key(value);
                key = k;
            }
            return k;
        }
    }

    private final long lifetimeNanos;
    /** The last {@link #RECENT} values parsed, least recently used first; null when the cache is off. */
    private final java.util.LinkedHashMap<String, Memo> recent;
    private final CheckedSignatures signatures;

    /** @param maxEntries 0 disables the cache */
    VerifiedPassports(int maxEntries, Duration lifetime) {
        this.lifetimeNanos = (lifetime.isZero() ? Duration.ofSeconds(1) : lifetime).toNanos();
        int recentEntries = Math.min(RECENT, maxEntries);
        this.recent = maxEntries <= 0 ? null : new java.util.LinkedHashMap<>(recentEntries * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<String, Memo> eldest) {
                return size() > recentEntries;
            }
        };
        this.signatures = maxEntries <= 0 ? null : new CheckedSignatures(maxEntries, Duration.ofNanos(lifetimeNanos));
    }

    /** The memo of {@code value}: the one kept, else {@code value} parsed now (and kept). */
    Memo memo(String value, int maxChars) {
        Memo m = get(value);
        if (m == null) {
            m = Memo.of(value, maxChars, value.length() <= MAX_VALUE_CHARS ? signatures : null);
            put(value, m);
        }
        return m;
    }

    /** The memo of {@code value} kept, or null. */
    Memo get(String value) {
        if (recent == null || value.length() > MAX_VALUE_CHARS) {
            return null;
        }
        synchronized (recent) {
            Memo m = recent.get(value);
            if (m != null && System.nanoTime() - m.parsedAt >= lifetimeNanos) {
                recent.remove(value);
                return null;
            }
            return m;
        }
    }

    void put(String value, Memo memo) {
        if (recent != null && value.length() <= MAX_VALUE_CHARS) {
            synchronized (recent) {
                recent.put(value, memo);
            }
        }
    }

    /** Parsed values kept now. */
    long size() {
        if (recent == null) {
            return 0;
        }
        synchronized (recent) {
            return recent.size();
        }
    }

    /** Signature outcomes kept now (O(slots): for tests). */
    long signatureOutcomes() {
        return signatures == null ? 0 : signatures.size();
    }
}
