package org.stirshield.audit;

import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the report formats. */
final class ReportText {
    private ReportText() {
    }

    /** A value from the log made safe to show: control characters (terminal escapes) become '?', cut to max. */
    static String clean(String s, int max) {
        if (s == null) {
            return ReportStats.NONE;
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max + 1));
        s.codePoints().limit(max + 1L).forEach(cp -> b.appendCodePoint(Character.isISOControl(cp)
                || Character.getType(cp) == Character.FORMAT ? '?' : cp));
        if (b.codePointCount(0, b.length()) > max) {
            int end = b.offsetByCodePoints(0, max - 1);
            b.setLength(end);
            b.append('…');
        }
        return b.toString();
    }

    /**
     * {@code s} cut to about {@code units} half-width character cells (East Asian wide characters count two):
     * labels in charts, whose room is fixed. A cut label keeps its start and its end with {@code …} between
     * them, since names often differ only at the end ({@code ..., Office 7}).
     */
    static String fit(String s, int units) {
        if (s == null) {
            return ReportStats.NONE;
        }
        int[] cps = s.codePoints().map(cp -> Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT
                ? '?' : cp).toArray();
        int total = 0;
        for (int cp : cps) {
            total += width(cp);
        }
        if (total <= units) {
            return new String(cps, 0, cps.length);
        }
        int tailRoom = (units - 1) * 2 / 5;
        int headRoom = units - 1 - tailRoom;
        int head = 0;
        for (int used = 0; head < cps.length && used + width(cps[head]) <= headRoom; head++) {
            used += width(cps[head]);
        }
        int tail = cps.length;
        for (int used = 0; tail > head && used + width(cps[tail - 1]) <= tailRoom; tail--) {
            used += width(cps[tail - 1]);
        }
        return new String(cps, 0, head) + "…" + new String(cps, tail, cps.length - tail);
    }

    private static int width(int cp) {
        return wide(cp) ? 2 : 1;
    }

    private static boolean wide(int cp) {
        Character.UnicodeBlock b = Character.UnicodeBlock.of(cp);
        return cp >= 0x1100 && (b == Character.UnicodeBlock.CJK_UNIFIED_IDEOGRAPHS
                || b == Character.UnicodeBlock.CJK_UNIFIED_IDEOGRAPHS_EXTENSION_A
                || b == Character.UnicodeBlock.CJK_SYMBOLS_AND_PUNCTUATION || b == Character.UnicodeBlock.HIRAGANA
                || b == Character.UnicodeBlock.KATAKANA || b == Character.UnicodeBlock.HANGUL_SYLLABLES
                || b == Character.UnicodeBlock.HALFWIDTH_AND_FULLWIDTH_FORMS
                || b == Character.UnicodeBlock.CJK_COMPATIBILITY_IDEOGRAPHS || Character.isSupplementaryCodePoint(cp));
    }

    static String pct(long part, long whole) {
        return whole == 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }

    static String num(long n) {
        return String.format(java.util.Locale.ROOT, "%,d", n);
    }

    /** Aligned plain-text table: numbers (right-aligned columns) and text (left). */
    static String table(List<String> headers, List<List<String>> rows, boolean... right) {
        int cols = headers.size();
        int[] w = new int[cols];
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        all.addAll(rows);
        for (List<String> r : all) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r.get(i).codePointCount(0, r.get(i).length()));
            }
        }
        StringBuilder b = new StringBuilder();
        for (int ri = 0; ri < all.size(); ri++) {
            List<String> r = all.get(ri);
            b.append("  ");
            for (int i = 0; i < cols; i++) {
                String cell = r.get(i);
                int pad = w[i] - cell.codePointCount(0, cell.length());
                boolean alignRight = i < right.length && right[i];
                if (alignRight) {
                    b.append(" ".repeat(pad)).append(cell);
                } else {
                    b.append(cell);
                    if (i < cols - 1) {
                        b.append(" ".repeat(pad));
                    }
                }
                if (i < cols - 1) {
                    b.append("  ");
                }
            }
            b.append('\n');
            if (ri == 0) {
                b.append("  ");
                for (int i = 0; i < cols; i++) {
                    b.append("-".repeat(w[i]));
                    if (i < cols - 1) {
                        b.append("  ");
                    }
                }
                b.append('\n');
            }
        }
        if (rows.isEmpty()) {
            b.append("  (none)\n");
        }
        return b.toString();
    }
}
