package org.stirshield.passport;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 with one {@link MessageDigest} per thread ({@code getInstance} looks the provider up each time): the
 * replay key of a PASSporT, the verified-PASSporT cache's key, the replay window's call id hash.
 */
public final class Sha256 {
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private Sha256() {
    }

    /** This thread's SHA-256, ready for input (reset by each {@code digest}). */
    public static MessageDigest digester() {
        return DIGEST.get();
    }

    /** SHA-256 of {@code input}. */
    public static byte[] digest(byte[] input) {
        return DIGEST.get().digest(input);
    }
}
