package org.stirshield.verify;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import org.stirshield.cert.Credential;
import org.stirshield.passport.IdentityHeader;
import org.stirshield.passport.Passport;
import org.stirshield.passport.PassportException;

/**
 * The verified-PASSporT cache: an Identity header value seen again (a forked INVITE, the same call through
 * a second PBX, a replay flood) costs a hash lookup instead of parsing, JSON decoding and an ES256
 * verification. Keyed on the whole header value (the token with its signature and parameters). What is
 * kept is only what depends on those bytes alone: the parsed header and PASSporT (or the parse failure),
 * its replay digest, and whether the signature verifies with a given credential. Everything that depends
 * on the call or the time is checked again on every call: the certificate (from its cache, with its
 * validity and revocation state at this call's time), freshness at now, the TNAuthList scope and
 * orig/dest against this call's numbers.
 *
 * <p>Bounded: at most {@code maxEntries} values of at most {@link #MAX_VALUE_CHARS} characters, each kept
 * for the freshness window (a token older than that is stale anyway).
 */
final class VerifiedPassports {
    /** Default {@code verification.passport_cache_entries}. */
    static final int DEFAULT_ENTRIES = 4096;
    /** Longer header values are verified every time, never kept. */
    static final int MAX_VALUE_CHARS = 4096;

    /** What one header value parses to, and the signature verdict for the credential it was checked with. */
    static final class Memo {
        /** The parsed header, or null when it did not parse ({@link #parseError}). */
        final IdentityHeader header;
        final PassportException parseError;
        /** The full-form PASSporT, or null (compact form: rebuilt per call; or {@link #decodeError}). */
        final Passport passport;
        final PassportException decodeError;
        private volatile String digest;
        private volatile Checked checked;

        private record Checked(Credential credential, boolean valid) {
        }

        Memo(IdentityHeader header, PassportException parseError, Passport passport, PassportException decodeError) {
            this.header = header;
            this.parseError = parseError;
            this.passport = passport;
            this.decodeError = decodeError;
        }

        /** Parses {@code value} (header, then the full-form PASSporT), keeping the failures. */
        static Memo of(String value, int maxChars) {
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
            return new Memo(h, pe, p, de);
        }

        /** Whether the signature was checked with exactly this credential: TRUE/FALSE, or null when not. */
        Boolean signatureValidWith(Credential c) {
            Checked k = checked;
            return k != null && k.credential == c ? k.valid : null;
        }

        void signatureChecked(Credential c, boolean valid) {
            checked = new Checked(c, valid);
        }

        String digest() {
            String d = digest;
            if (d == null) {
                d = passport.digest();
                digest = d;
            }
            return d;
        }
    }

    private final Cache<String, Memo> cache;

    /** @param maxEntries 0 disables the cache */
    VerifiedPassports(int maxEntries, Duration lifetime) {
        this.cache = maxEntries <= 0 ? null : Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfterWrite(lifetime.isZero() ? Duration.ofSeconds(1) : lifetime)
                .executor(Runnable::run) // maintenance on the caller's thread: no pool thread woken per call
                .build();
    }

    /** The memo of {@code value}, or null. */
    Memo get(String value) {
        return cache == null || value.length() > MAX_VALUE_CHARS ? null : cache.getIfPresent(value);
    }

    void put(String value, Memo memo) {
        if (cache != null && value.length() <= MAX_VALUE_CHARS) {
            cache.put(value, memo);
        }
    }

    long size() {
        return cache == null ? 0 : cache.estimatedSize();
    }
}
