package org.stirshield.passport;

import java.util.Base64;

/**
 * Strict unpadded base64url (RFC 7515 §2, PPT-01): only {@code [A-Za-z0-9_-]}, no padding, no
 * whitespace, and the unused trailing bits of the last character must be zero (canonical encoding).
 */
public final class Base64Url {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private Base64Url() {
    }

    /** Decodes {@code s}, or returns null when it is not canonical unpadded base64url. */
    public static byte[] decode(String s) {
        int n = s.length();
        if (n % 4 == 1) {
            return null;
        }
        for (int i = 0; i < n; i++) {
            if (value(s.charAt(i)) < 0) {
                return null;
            }
        }
        if (n % 4 == 2 && (value(s.charAt(n - 1)) & 0x0F) != 0) {
            return null; // 4 unused bits must be zero
        }
        if (n % 4 == 3 && (value(s.charAt(n - 1)) & 0x03) != 0) {
            return null; // 2 unused bits must be zero
        }
        return Base64.getUrlDecoder().decode(s);
    }

    public static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /** Whether {@code c} is a base64url alphabet character. */
    static boolean isAlphabet(char c) {
        return value(c) >= 0;
    }

    private static int value(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        if (c == '-') {
            return 62;
        }
        if (c == '_') {
            return 63;
        }
        return -1;
    }
}
