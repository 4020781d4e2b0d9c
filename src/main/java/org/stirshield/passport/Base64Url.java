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
        return decode(s, 0, s.length());
    }

    /**
     * Decodes {@code s[from, to)} in one pass (no copy of the text), or returns null when it is not canonical
     * unpadded base64url: a character outside the alphabet, a length of 1 mod 4, or non-zero unused bits.
     */
    public static byte[] decode(String s, int from, int to) {
        int n = to - from;
        if (n < 0 || n % 4 == 1) {
            return null;
        }
        byte[] out = new byte[n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1)];
        int o = 0;
        int i = from;
        int full = from + n / 4 * 4;
        while (i < full) {
            int a = value(s.charAt(i));
            int b = value(s.charAt(i + 1));
            int c = value(s.charAt(i + 2));
            int d = value(s.charAt(i + 3));
            if ((a | b | c | d) < 0) {
                return null;
            }
            int v = a << 18 | b << 12 | c << 6 | d;
            out[o++] = (byte) (v >> 16);
            out[o++] = (byte) (v >> 8);
            out[o++] = (byte) v;
            i += 4;
        }
        int rest = to - i;
        if (rest == 2) {
            int a = value(s.charAt(i));
            int b = value(s.charAt(i + 1));
            if ((a | b) < 0 || (b & 0x0F) != 0) {
                return null; // 4 unused bits must be zero
            }
            out[o] = (byte) (a << 2 | b >> 4);
        } else if (rest == 3) {
            int a = value(s.charAt(i));
            int b = value(s.charAt(i + 1));
            int c = value(s.charAt(i + 2));
            if ((a | b | c) < 0 || (c & 0x03) != 0) {
                return null; // 2 unused bits must be zero
            }
            out[o++] = (byte) (a << 2 | b >> 4);
            out[o] = (byte) (b << 4 | c >> 2);
        }
        return out;
    }

    public static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /** Whether {@code c} is a base64url alphabet character. */
    static boolean isAlphabet(char c) {
        return value(c) >= 0;
    }

    /** The 6-bit value of each ASCII character of the alphabet, -1 for every other one. */
    private static final byte[] VALUES = new byte[128];

    static {
        java.util.Arrays.fill(VALUES, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < alphabet.length(); i++) {
            VALUES[alphabet.charAt(i)] = (byte) i;
        }
    }

    private static int value(char c) {
        return c < 128 ? VALUES[c] : -1;
    }
}
