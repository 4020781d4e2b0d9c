package org.stirshield.cert;

/** Hostile strings (URLs from headers) made safe for logs and messages: bounded, no control characters. */
final class Printable {
    private Printable() {
    }

    static String of(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 200) + 2);
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ? '?' : c);
        }
        if (s.length() > 200) {
            b.append('…');
        }
        return b.toString();
    }
}
