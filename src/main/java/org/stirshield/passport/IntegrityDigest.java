package org.stirshield.passport;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * A digest written as the {@code rcdi} claim of RFC 9795 writes it, in the Subresource Integrity form
 * {@code <alg>-<base64 of the digest>} (e.g. {@code sha256-jL4f47...}). Accepted algorithms: sha256,
 * sha384, sha512. The base64 may be padded or not, in the standard or the URL-safe alphabet: the
 * decoded bytes are what is compared.
 *
 * @param algorithm {@code sha256}, {@code sha384} or {@code sha512}
 * @param digest the digest bytes
 */
public record IntegrityDigest(String algorithm, byte[] digest) {

    /** Parses {@code sha256-...}; null when it is not such a digest (unknown algorithm, bad base64, wrong length). */
    public static IntegrityDigest parse(String text) {
        if (text == null || text.length() > 200) {
            return null;
        }
        int dash = text.indexOf('-');
        if (dash <= 0) {
            return null;
        }
        String alg = text.substring(0, dash).toLowerCase(Locale.ROOT);
        int length = switch (alg) {
            case "sha256" -> 32;
            case "sha384" -> 48;
            case "sha512" -> 64;
            default -> -1;
        };
        if (length < 0) {
            return null;
        }
        String b64 = text.substring(dash + 1);
        byte[] d;
        try {
            d = b64.indexOf('-') >= 0 || b64.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(b64) : Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return d.length == length ? new IntegrityDigest(alg, d) : null;
    }

    /** The digest of {@code content} with {@code algorithm}. */
    public static IntegrityDigest of(String algorithm, byte[] content) {
        String jca = switch (algorithm) {
            case "sha256" -> "SHA-256";
            case "sha384" -> "SHA-384";
            case "sha512" -> "SHA-512";
            default -> throw new IllegalArgumentException("unsupported digest algorithm: " + algorithm);
        };
        try {
            return new IntegrityDigest(algorithm, MessageDigest.getInstance(jca).digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code content} has this digest (constant-time comparison). */
    public boolean matches(byte[] content) {
        return MessageDigest.isEqual(digest, of(algorithm, content).digest);
    }

    /** {@code sha256-<base64, padded>}, as RFC 9795 and SRI write it. */
    @Override
    public String toString() {
        return algorithm + "-" + Base64.getEncoder().encodeToString(digest);
    }
}
