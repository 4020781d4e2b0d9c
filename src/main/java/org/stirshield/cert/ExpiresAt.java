package org.stirshield.cert;

import com.github.benmanes.caffeine.cache.Expiry;
import java.util.function.ToLongFunction;

/**
 * Caffeine expiry at an absolute ticker time that the cached value carries (a certificate's or CRL's own
 * lifetime): set when an entry is created or replaced, never extended by reads.
 */
final class ExpiresAt<V> implements Expiry<String, V> {
    private final ToLongFunction<V> expiresAtNanos;

    ExpiresAt(ToLongFunction<V> expiresAtNanos) {
        this.expiresAtNanos = expiresAtNanos;
    }

    @Override
    public long expireAfterCreate(String key, V value, long now) {
        return Math.max(0, expiresAtNanos.applyAsLong(value) - now);
    }

    @Override
    public long expireAfterUpdate(String key, V value, long now, long current) {
        return Math.max(0, expiresAtNanos.applyAsLong(value) - now);
    }

    @Override
    public long expireAfterRead(String key, V value, long now, long current) {
        return current;
    }
}
