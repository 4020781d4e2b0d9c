package org.stirshield.audit;

import static org.stirshield.audit.HtmlReport.esc;
import static org.stirshield.audit.ReportText.fit;
import static org.stirshield.audit.ReportText.num;

import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The inline SVG charts of the HTML report, drawn here (no script, no library). Every chart has a fixed
 * {@code viewBox} {@link #W} wide and scales to its card; labels are cut to the room they have, so nothing
 * is drawn outside the chart. Every value shown is escaped.
 */
final class SvgCharts {
    static final int W = 1040;
    private static final DateTimeFormatter HOUR_LABEL = DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT);
    private static final DateTimeFormatter DAY_LABEL = DateTimeFormatter.ofPattern("uuuu-MM-dd", Locale.ROOT);

    private SvgCharts() {
    }

    /** One bar of a horizontal bar chart; {@code link} is a fragment ({@code #calls-1}) or null. */
    record Bar(String label, String sub, long value, String link) {
    }

    /** One named series of counts, one per bucket. */
    record Series(String name, long[] counts, String color) {
    }

    /** Stacked bars over time: one bar per bucket, stacked by series (the calls-over-time chart). */
    static void stackedBars(StringBuilder b, String id, List<Long> buckets, List<Series> series, int stepHours,
            String zoneName) {
        int height = 300;
        Frame f = new Frame(height);
        open(b, id, height, "calls per " + ReportTables.bucketName(stepHours) + " by verdict");
        if (buckets.isEmpty()) {
            empty(b, height, "No calls in this period.");
            return;
        }
        long[] totals = new long[buckets.size()];
        for (Series s : series) {
            for (int i = 0; i < totals.length; i++) {
                totals[i] += s.counts()[i];
            }
        }
        long yMax = f.yAxis(b, max(totals));
        int n = buckets.size();
        double slot = (double) f.plotW / n;
        double bw = slot > 4 ? Math.min(slot * 0.8, 48) : slot; // a few hours: bars, not walls
        for (int i = 0; i < n; i++) {
            double x = f.padL + i * slot + (slot - bw) / 2;
            double y = f.padT + f.plotH;
            String when = label(buckets.get(i), stepHours);
            for (Series s : series) {
                long v = s.counts()[i];
                if (v == 0) {
                    continue;
                }
                double hgt = (double) v / yMax * f.plotH;
                y -= hgt;
                b.append("<rect x=\"").append(d(x)).append("\" y=\"").append(d(y)).append("\" width=\"").append(d(bw))
                        .append("\" height=\"").append(d(hgt)).append("\" fill=\"").append(s.color()).append("\"><title>")
                        .append(esc(when)).append(": ").append(num(v)).append(' ').append(esc(s.name()))
                        .append("</title></rect>");
            }
            b.append('\n');
        }
        f.xAxis(b, buckets, stepHours, zoneName);
        b.append("</svg>\n");
    }

    /** Lines over time, one per series, with a dot on each bucket that has events. */
    static void lines(StringBuilder b, String id, List<Long> buckets, List<Series> series, int stepHours,
            String zoneName, String what, String emptyText) {
        int height = 260;
        Frame f = new Frame(height);
        open(b, id, height, what);
        if (buckets.isEmpty() || series.isEmpty()) {
            empty(b, height, emptyText);
            return;
        }
        long top = 1;
        for (Series s : series) {
            top = Math.max(top, max(s.counts()));
        }
        long yMax = f.yAxis(b, top);
        int n = buckets.size();
        double slot = (double) f.plotW / n;
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            StringBuilder dots = new StringBuilder();
            for (int i = 0; i < n; i++) {
                double x = f.padL + i * slot + slot / 2;
                double y = f.padT + f.plotH - (double) s.counts()[i] / yMax * f.plotH;
                points.append(d(x)).append(',').append(d(y)).append(' ');
                if (s.counts()[i] > 0 && n <= 60) { // more buckets: the line alone reads better
                    dots.append("<circle cx=\"").append(d(x)).append("\" cy=\"").append(d(y)).append("\" r=\"3\" fill=\"")
                            .append(s.color()).append("\"><title>").append(esc(s.name())).append(", ")
                            .append(esc(label(buckets.get(i), stepHours))).append(": ").append(num(s.counts()[i]))
                            .append("</title></circle>");
                }
            }
            boolean rest = s.name().equals(ReportStats.OTHER);
            b.append("<polyline fill=\"none\" stroke=\"").append(s.color())
                    .append(rest ? "\" stroke-width=\"1.5\" stroke-dasharray=\"5 4" : "\" stroke-width=\"2")
                    .append("\" points=\"")
                    .append(points.toString().trim()).append("\"><title>").append(esc(s.name())).append("</title></polyline>")
                    .append(dots).append('\n');
        }
        f.xAxis(b, buckets, stepHours, zoneName);
        b.append("</svg>\n");
    }

    /**
     * Horizontal bars, largest first. A bar with a sub-label (the agency of a number) gets a second label line;
     * a bar with a link jumps to that fragment of the page (the drill-down).
     */
    static void hBars(StringBuilder b, String id, List<Bar> bars, String color, String emptyText) {
        boolean subs = bars.stream().anyMatch(x -> x.sub() != null);
        int rowH = subs ? 38 : 30;
        int labelW = 300;
        int height = Math.max(1, bars.size()) * rowH + 8;
        open(b, id, height, null);
        if (bars.isEmpty()) {
            empty(b, height, emptyText);
            return;
        }
        long max = 1;
        for (Bar bar : bars) {
            max = Math.max(max, bar.value());
        }
        int plotW = W - labelW - 110;
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            int y = 4 + i * rowH;
            double w = Math.max(2, (double) bar.value() / max * plotW);
            if (bar.link() != null) {
                b.append("<a href=\"").append(esc(bar.link())).append("\">");
            }
            int textY = subs && bar.sub() != null ? y + 15 : y + (rowH + 8) / 2;
            b.append("<text x=\"").append(labelW - 10).append("\" y=\"").append(textY)
                    .append("\" text-anchor=\"end\" class=\"label\">").append(esc(fit(bar.label(), 32))).append("</text>");
            if (bar.sub() != null) {
                b.append("<text x=\"").append(labelW - 10).append("\" y=\"").append(y + 31)
                        .append("\" text-anchor=\"end\" class=\"sub\">").append(esc(fit(bar.sub(), 44))).append("</text>");
            }
            b.append("<rect x=\"").append(labelW).append("\" y=\"").append(y + (rowH - 20) / 2).append("\" width=\"")
                    .append(d(w)).append("\" height=\"20\" rx=\"3\" fill=\"").append(color).append("\"><title>")
                    .append(esc(ReportText.clean(bar.label(), 64)))
                    .append(bar.sub() == null ? "" : " (" + esc(ReportText.clean(bar.sub(), 64)) + ")")
                    .append(": ").append(num(bar.value())).append("</title></rect>")
                    .append("<text x=\"").append(d(labelW + w + 8)).append("\" y=\"").append(y + (rowH + 8) / 2)
                    .append("\" class=\"value\">").append(num(bar.value())).append("</text>");
            if (bar.link() != null) {
                b.append("</a>");
            }
            b.append('\n');
        }
        b.append("</svg>\n");
    }

    /**
     * One full-width bar per row, split into segments (the protected / unprotected outcome split), each
     * segment labelled with its count when there is room.
     */
    static void splitBars(StringBuilder b, String id, List<String> rows, List<long[]> counts, List<String> names,
            List<String> colors) {
        int rowH = 44;
        int labelW = 190;
        int height = rows.size() * rowH + 8;
        open(b, id, height, "outcomes of protected and unprotected traffic");
        int plotW = W - labelW - 100;
        for (int r = 0; r < rows.size(); r++) {
            long[] c = counts.get(r);
            long total = 0;
            for (long v : c) {
                total += v;
            }
            int y = 6 + r * rowH;
            b.append("<text x=\"").append(labelW - 10).append("\" y=\"").append(y + 22)
                    .append("\" text-anchor=\"end\" class=\"label\">").append(esc(rows.get(r))).append("</text>");
            double x = labelW;
            for (int i = 0; i < c.length; i++) {
                if (c[i] == 0) {
                    continue;
                }
                double w = (double) c[i] / total * plotW;
                b.append("<rect x=\"").append(d(x)).append("\" y=\"").append(y + 6).append("\" width=\"").append(d(w))
                        .append("\" height=\"26\" fill=\"").append(colors.get(i)).append("\"><title>").append(esc(rows.get(r)))
                        .append(", ").append(esc(names.get(i))).append(": ").append(num(c[i])).append(" (")
                        .append(ReportText.pct(c[i], total)).append(")</title></rect>");
                String text = num(c[i]);
                if (w > text.length() * 8 + 8) {
                    b.append("<text x=\"").append(d(x + w / 2)).append("\" y=\"").append(y + 24)
                            .append("\" text-anchor=\"middle\" class=\"inbar\">").append(text).append("</text>");
                }
                x += w;
            }
            b.append("<text x=\"").append(labelW + plotW + 8).append("\" y=\"").append(y + 24)
                    .append("\" class=\"value\">").append(num(total)).append("</text>\n");
        }
        b.append("</svg>\n");
    }

    /** The plot area of a chart with axes. */
    private static final class Frame {
        final int padL = 84;
        final int padR = 16;
        final int padT = 12;
        final int padB = 48;
        final int height;
        final int plotW;
        final int plotH;

        Frame(int height) {
            this.height = height;
            this.plotW = W - padL - padR;
            this.plotH = height - padT - padB;
        }

        /** Grid lines and their labels; returns the top of the axis. */
        long yAxis(StringBuilder b, long max) {
            long tick = niceStep(Math.max(1, max));
            long yMax = ((Math.max(1, max) + tick - 1) / tick) * tick;
            for (long v = 0; v <= yMax; v += tick) {
                double y = padT + plotH - (double) v / yMax * plotH;
                b.append("<line x1=\"").append(padL).append("\" x2=\"").append(W - padR).append("\" y1=\"").append(d(y))
                        .append("\" y2=\"").append(d(y)).append("\" class=\"grid\"/>")
                        .append("<text x=\"").append(padL - 8).append("\" y=\"").append(d(y + 4))
                        .append("\" text-anchor=\"end\" class=\"axis\">").append(num(v)).append("</text>\n");
            }
            return yMax;
        }

        void xAxis(StringBuilder b, List<Long> buckets, int stepHours, String zoneName) {
            int n = buckets.size();
            double slot = (double) plotW / n;
            int labelEvery = (int) Math.max(1, Math.ceil((stepHours == 1 ? 96 : 86) / slot));
            for (int i = 0; i < n; i += labelEvery) {
                double x = padL + i * slot + slot / 2;
                if (x + 40 > W) {
                    continue; // a label there would stick out of the chart
                }
                b.append("<text x=\"").append(d(x)).append("\" y=\"").append(padT + plotH + 18)
                        .append("\" text-anchor=\"middle\" class=\"axis\">").append(esc(label(buckets.get(i), stepHours)))
                        .append("</text>\n");
            }
            b.append("<line x1=\"").append(padL).append("\" x2=\"").append(W - padR).append("\" y1=\"").append(padT + plotH)
                    .append("\" y2=\"").append(padT + plotH).append("\" class=\"base\"/>\n");
            b.append("<text x=\"").append(padL + plotW / 2).append("\" y=\"").append(height - 6)
                    .append("\" text-anchor=\"middle\" class=\"axis\">").append(esc(ReportTables.bucketName(stepHours)))
                    .append("s, ").append(esc(zoneName)).append("</text>\n");
        }
    }

    private static void open(StringBuilder b, String id, int height, String aria) {
        b.append("<svg id=\"").append(id).append("\" class=\"chart\" viewBox=\"0 0 ").append(W).append(' ').append(height)
                .append("\" width=\"100%\" role=\"img\"");
        if (aria != null) {
            b.append(" aria-label=\"").append(esc(aria)).append('"');
        }
        b.append(">\n");
    }

    private static void empty(StringBuilder b, int height, String text) {
        b.append("<text x=\"").append(W / 2).append("\" y=\"").append(height / 2 + 4)
                .append("\" text-anchor=\"middle\" class=\"empty\">").append(esc(text)).append("</text></svg>\n");
    }

    /** {@code 11-23 16:00} for an hour bucket, {@code 2026-11-23} for a day or week. */
    static String label(long bucket, int stepHours) {
        return (stepHours == 1 ? HOUR_LABEL : DAY_LABEL).format(ReportZone.wallClock(bucket));
    }

    private static long max(long[] values) {
        long m = 0;
        for (long v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** A round tick step giving about 5 grid lines: 1, 2, 5 × 10^k. */
    static long niceStep(long max) {
        double raw = Math.max(1, max / 5.0);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double norm = raw / mag;
        double step = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
        return Math.max(1, (long) (step * mag));
    }

    private static String d(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
