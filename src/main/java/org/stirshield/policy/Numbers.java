package org.stirshield.policy;

import java.util.HexFormat;
import java.util.Locale;

/** Normalizing numbers and fingerprints as written in policy files. */
final class Numbers {
    /** E.164 allows 15 digits; keys are kept in a long, which holds 18 digits safely. */
    static final int MAX_DIGITS = 15;

    private Numbers() {
    }

    /**
     * {@code +52 55 3686-5100} → {@code 525536865100}: drops one leading {@code +}, spaces, {@code -},
     * {@code .}, {@code (} and {@code )} (RFC 3966 visual separators); the rest must be 1..15 ASCII digits.
     *
     * @throws IllegalArgumentException with a message for the policy-file error
     */
    static String digits(String text) {
        String t = text.strip();
        StringBuilder sb = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c >= '0' && c <= '9') {
                sb.append(c);
            } else if (c == '+' && i == 0) {
                // leading plus: E.164 marker
            } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '\t') {
                // visual separator
            } else {
                throw new IllegalArgumentException("not an E.164 number (digits, '+', spaces, '-'): \"" + text + "\"");
            }
        }
        if (sb.isEmpty()) {
            throw new IllegalArgumentException("empty number: \"" + text + "\"");
        }
        if (sb.length() > MAX_DIGITS) {
            throw new IllegalArgumentException("more than " + MAX_DIGITS + " digits: \"" + text + "\"");
        }
        return sb.toString();
    }

    /** SHA-256 fingerprint, any of {@code AB:CD:..}, {@code abcd..}, spaces → 64 lowercase hex digits. */
    static String fingerprint(String text) {
        String t = text.replace(":", "").replace(" ", "").strip().toLowerCase(Locale.ROOT);
        if (t.length() != 64) {
            throw new IllegalArgumentException("not a SHA-256 fingerprint (64 hex digits): \"" + text + "\"");
        }
        HexFormat.of().parseHex(t); // throws IllegalArgumentException on a non-hex digit
        return t;
    }

    /** The digits of a canonical TN as a long, or -1 if it holds anything but ASCII digits. */
    static long value(String digits, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
