package org.stirshield.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the report formats. */
final class ReportText {
    static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:00").withZone(ZoneOffset.UTC);
    static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

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

    static String time(Instant t) {
        return t == null ? "-" : SECOND.format(t) + "Z";
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
