package org.stirshield.audit;

import static org.stirshield.audit.ReportText.clean;
import static org.stirshield.audit.ReportText.num;
import static org.stirshield.audit.ReportText.time;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The report as one self-contained HTML page: inline CSS, inline SVG charts drawn here, no script and no
 * network resources (it opens the same offline, in a mail attachment or an air-gapped analyst desk).
 * Every value from the log is HTML-escaped: caller IDs and trunk names are attacker-controlled.
 */
final class HtmlReport {
    static final String[] COLORS = {"#2e7d32", "#90a4ae", "#f2a900", "#c62828", "#6d4c41"};
    static final String[] LABELS = {"Verified (PASS)", "Not protected", "No identity", "Failed (FAIL)", "Other"};
    private static final int W = 1040;

    private final ReportStats s;
    private final AuditReport.ReportHeader h;
    private final int top;

    HtmlReport(ReportStats s, AuditReport.ReportHeader h, int top) {
        this.s = s;
        this.h = h;
        this.top = top;
    }

    void write(Writer out) throws IOException {
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>StirShield audit report</title>\n<style>\n").append(CSS).append("</style></head>\n<body>\n");
        b.append("<header><h1>StirShield audit report</h1><p class=\"meta\">")
                .append(esc(time(s.first))).append(" to ").append(esc(time(s.last)));
        if (h.since() != null || h.until() != null) {
            b.append(" &middot; period ").append(esc(h.since() == null ? "start" : time(h.since()))).append(" to ")
                    .append(esc(h.until() == null ? "end" : time(h.until())));
        }
        b.append(" &middot; ").append(esc(clean(h.files().stream().map(Path::toString).collect(Collectors.joining(", ")), 300)))
                .append("</p></header>\n");
        AuditFiles.Counts c = h.counts();
        for (String err : c.fileErrors) {
            b.append("<p class=\"warn\">Could not read all of ").append(esc(clean(err, 300))).append("</p>\n");
        }
        b.append("<section class=\"kpis\">");
        kpi(b, "Calls", num(s.calls), "", null);
        kpi(b, "Verified", num(s.byStatus.get("PASS")), ReportText.pct(s.byStatus.get("PASS"), s.calls), COLORS[0]);
        kpi(b, "Failed", num(s.failed), ReportText.pct(s.failed, s.calls), COLORS[3]);
        kpi(b, "Rejected", num(s.rejected), ReportText.pct(s.rejected, s.calls), COLORS[3]);
        kpi(b, "Replays flagged", num(s.replayed), "", s.replayed > 0 ? COLORS[2] : null);
        kpi(b, "Malformed lines", num(c.malformed), c.outsideRange > 0 ? num(c.outsideRange) + " outside period" : "",
                c.malformed > 0 ? COLORS[4] : null);
        b.append("</section>\n");

        int step = s.bucketHours();
        b.append("<section class=\"card\"><h2>Calls per ").append(step == 1 ? "hour" : "day")
                .append(" by verdict</h2>\n<p class=\"legend\">");
        for (int i = 0; i < LABELS.length; i++) {
            b.append("<span><i style=\"background:").append(COLORS[i]).append("\"></i>").append(LABELS[i]).append("</span>");
        }
        b.append("</p>\n");
        stackedBars(b, s.buckets(), step);
        b.append("</section>\n");

        b.append("<section class=\"card\"><h2>Protected numbers most often spoofed</h2>\n")
                .append("<p class=\"note\">failed or rejected calls whose caller ID claimed a protected number</p>\n");
        List<Map.Entry<String, Long>> spoofed = s.spoofed.top(Math.min(top, 15));
        hBars(b, "chart-spoofed", spoofed.stream().map(e -> new Bar(e.getKey(), s.agencyOf.get(e.getKey()), e.getValue()))
                .toList(), COLORS[3], "No failed calls claimed a protected number.");
        b.append("</section>\n");

        b.append("<section class=\"card\"><h2>Failed calls by reason</h2>\n");
        hBars(b, "chart-reasons", s.failedByReason.top(Math.min(top, 15)).stream()
                .map(e -> new Bar(e.getKey(), null, e.getValue())).toList(), "#8e24aa", "No failed calls.");
        b.append("</section>\n");

        b.append("<div class=\"grid\">\n");
        for (ReportTables.Table t : ReportTables.build(s, top)) {
            boolean wide = t.id().equals("replays") || t.id().equals("per-hour");
            if (t.id().equals("per-hour")) {
                b.append("</div>\n<section class=\"card\"><details><summary><h2>").append(esc(t.title()))
                        .append(" (table)</h2></summary>\n");
                table(b, t);
                b.append("</details></section>\n<div class=\"grid\">\n");
                continue;
            }
            b.append("<section class=\"card").append(wide ? " wide" : "").append("\"><h2>").append(esc(t.title()))
                    .append("</h2><p class=\"note\">").append(esc(t.note())).append("</p>\n");
            table(b, t);
            b.append("</section>\n");
        }
        b.append("</div>\n<footer>Generated by <code>stirshield report</code>. Times are UTC. ")
                .append("A call counts as failed when verification failed or the call was rejected.</footer>\n")
                .append("</body></html>\n");
        out.write(b.toString());
    }

    private static void kpi(StringBuilder b, String label, String value, String sub, String color) {
        b.append("<div class=\"kpi\"").append(color == null ? "" : " style=\"border-top-color:" + color + "\"")
                .append("><div class=\"label\">").append(esc(label)).append("</div><div class=\"value\">")
                .append(esc(value)).append("</div><div class=\"sub\">").append(esc(sub)).append("</div></div>");
    }

    private static void table(StringBuilder b, ReportTables.Table t) {
        b.append("<table id=\"t-").append(t.id()).append("\"><thead><tr>");
        for (int i = 0; i < t.headers().size(); i++) {
            b.append("<th").append(t.right()[i] ? " class=\"n\"" : "").append(">").append(esc(t.headers().get(i)))
                    .append("</th>");
        }
        b.append("</tr></thead><tbody>");
        if (t.rows().isEmpty()) {
            b.append("<tr><td colspan=\"").append(t.headers().size()).append("\" class=\"empty\">none</td></tr>");
        }
        for (List<String> r : t.rows()) {
            b.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                b.append("<td").append(t.right()[i] ? " class=\"n\"" : "").append(">").append(esc(r.get(i))).append("</td>");
            }
            b.append("</tr>");
        }
        b.append("</tbody></table>\n");
    }

    /** Stacked bar chart: one bar per time bucket, stacked by verdict. */
    static void stackedBars(StringBuilder b, List<ReportStats.Bucket> buckets, int stepHours) {
        int height = 300;
        int padL = 64;
        int padR = 12;
        int padT = 12;
        int padB = 48;
        int plotW = W - padL - padR;
        int plotH = height - padT - padB;
        b.append("<svg id=\"chart-per-hour\" class=\"chart\" viewBox=\"0 0 ")
                .append(W).append(' ').append(height).append("\" width=\"100%\" role=\"img\" aria-label=\"calls per ")
                .append(stepHours == 1 ? "hour" : "day").append(" by verdict\">\n");
        if (buckets.isEmpty()) {
            b.append("<text x=\"").append(W / 2).append("\" y=\"").append(height / 2)
                    .append("\" text-anchor=\"middle\" class=\"empty\">No calls in this period.</text></svg>\n");
            return;
        }
        long max = 1;
        for (ReportStats.Bucket k : buckets) {
            max = Math.max(max, k.total());
        }
        long tick = niceStep(max);
        long yMax = ((max + tick - 1) / tick) * tick;
        for (long v = 0; v <= yMax; v += tick) {
            double y = padT + plotH - (double) v / yMax * plotH;
            b.append("<line x1=\"").append(padL).append("\" x2=\"").append(W - padR).append("\" y1=\"").append(f(y))
                    .append("\" y2=\"").append(f(y)).append("\" class=\"grid\"/>")
                    .append("<text x=\"").append(padL - 8).append("\" y=\"").append(f(y + 4))
                    .append("\" text-anchor=\"end\" class=\"axis\">").append(num(v)).append("</text>\n");
        }
        int n = buckets.size();
        double slot = (double) plotW / n;
        double bw = slot > 4 ? Math.min(slot * 0.8, 48) : slot; // a few hours: bars, not walls
        int labelEvery = (int) Math.max(1, Math.ceil(90 / slot));
        java.time.format.DateTimeFormatter fmt = java.time.format.DateTimeFormatter
                .ofPattern(stepHours == 1 ? "MM-dd HH:00" : "yyyy-MM-dd").withZone(java.time.ZoneOffset.UTC);
        for (int i = 0; i < n; i++) {
            ReportStats.Bucket k = buckets.get(i);
            double x = padL + i * slot + (slot - bw) / 2;
            double y = padT + plotH;
            String when = fmt.format(k.start());
            for (int st = 0; st < k.counts().length; st++) {
                long v = k.counts()[st];
                if (v == 0) {
                    continue;
                }
                double hgt = (double) v / yMax * plotH;
                y -= hgt;
                b.append("<rect x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" width=\"").append(f(bw))
                        .append("\" height=\"").append(f(hgt)).append("\" fill=\"").append(COLORS[st]).append("\"><title>")
                        .append(esc(when)).append(" UTC: ").append(num(v)).append(' ').append(esc(LABELS[st]))
                        .append("</title></rect>");
            }
            b.append('\n');
            if (i % labelEvery == 0) {
                b.append("<text x=\"").append(f(padL + i * slot + slot / 2)).append("\" y=\"").append(padT + plotH + 18)
                        .append("\" text-anchor=\"middle\" class=\"axis\">").append(esc(when)).append("</text>\n");
            }
        }
        b.append("<line x1=\"").append(padL).append("\" x2=\"").append(W - padR).append("\" y1=\"").append(padT + plotH)
                .append("\" y2=\"").append(padT + plotH).append("\" class=\"base\"/>\n");
        b.append("<text x=\"").append(padL + plotW / 2).append("\" y=\"").append(height - 6)
                .append("\" text-anchor=\"middle\" class=\"axis\">UTC</text>\n</svg>\n");
    }

    record Bar(String label, String sub, long value) {
    }

    /** Horizontal bar chart, largest first. */
    static void hBars(StringBuilder b, String id, List<Bar> bars, String color, String emptyText) {
        int rowH = 30;
        int labelW = 300;
        int height = Math.max(1, bars.size()) * rowH + 8;
        b.append("<svg id=\"").append(id).append("\" class=\"chart\" viewBox=\"0 0 ")
                .append(W).append(' ').append(height).append("\" width=\"100%\" role=\"img\">\n");
        if (bars.isEmpty()) {
            b.append("<text x=\"").append(W / 2).append("\" y=\"").append(height / 2 + 4)
                    .append("\" text-anchor=\"middle\" class=\"empty\">").append(esc(emptyText)).append("</text></svg>\n");
            return;
        }
        long max = 1;
        for (Bar bar : bars) {
            max = Math.max(max, bar.value());
        }
        int plotW = W - labelW - 90;
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            int y = 4 + i * rowH;
            double w = Math.max(2, (double) bar.value() / max * plotW);
            b.append("<text x=\"").append(labelW - 10).append("\" y=\"").append(y + 19)
                    .append("\" text-anchor=\"end\" class=\"label\">").append(esc(clean(bar.label(), 24)));
            if (bar.sub() != null) {
                b.append("<tspan class=\"sub\"> ").append(esc(clean(bar.sub(), 22))).append("</tspan>");
            }
            b.append("</text><rect x=\"").append(labelW).append("\" y=\"").append(y + 5).append("\" width=\"").append(f(w))
                    .append("\" height=\"").append(rowH - 10).append("\" rx=\"3\" fill=\"").append(color).append("\"><title>")
                    .append(esc(clean(bar.label(), 64))).append(": ").append(num(bar.value())).append("</title></rect>")
                    .append("<text x=\"").append(f(labelW + w + 8)).append("\" y=\"").append(y + 19)
                    .append("\" class=\"value\">").append(num(bar.value())).append("</text>\n");
        }
        b.append("</svg>\n");
    }

    /** A round tick step giving about 5 grid lines: 1, 2, 5 × 10^k. */
    static long niceStep(long max) {
        double raw = Math.max(1, max / 5.0);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double norm = raw / mag;
        double step = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
        return Math.max(1, (long) (step * mag));
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** HTML/XML escaping for text and attribute values. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    private static final String CSS = """
            :root{--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa}
            *{box-sizing:border-box}
            body{margin:0 auto;max-width:1100px;padding:24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
            header h1{margin:0 0 4px;font-size:26px}
            .meta,.note{color:var(--muted);margin:0 0 12px}
            .note{font-size:12px}
            .warn{background:#fff4e5;border:1px solid #f2a900;padding:8px 12px;border-radius:6px}
            .kpis{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin:16px 0}
            .kpi{background:#fff;border:1px solid var(--line);border-top:4px solid #52606d;border-radius:8px;padding:10px 12px}
            .kpi .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
            .kpi .value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums}
            .kpi .sub{color:var(--muted);font-size:12px;min-height:1em}
            .card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0 0 16px}
            .card h2{font-size:16px;margin:0 0 6px;display:inline-block}
            .grid{display:grid;grid-template-columns:1fr 1fr;gap:0 16px}
            .grid .wide{grid-column:1/-1}
            .legend{margin:0 0 6px;font-size:12px;color:var(--muted)}
            .legend span{margin-right:16px;white-space:nowrap}
            .legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
            svg.chart{display:block;font-family:inherit}
            svg .axis{font-size:11px;fill:var(--muted)}
            svg .grid{stroke:var(--line);stroke-width:1}
            svg .base{stroke:#9aa5b1;stroke-width:1}
            svg .label{font-size:13px;fill:var(--fg)}
            svg .sub{font-size:11px;fill:var(--muted)}
            svg .value{font-size:12px;fill:var(--fg);font-weight:600}
            svg .empty{font-size:14px;fill:var(--muted)}
            table{border-collapse:collapse;width:100%;font-size:13px}
            th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);overflow-wrap:break-word}
            th{color:var(--muted);font-weight:600;font-size:11px;letter-spacing:.04em;white-space:nowrap}
            #t-replays td:not(:nth-child(6)){white-space:nowrap}
            td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            td.empty{color:var(--muted);font-style:italic}
            summary{cursor:pointer}
            summary h2{display:inline}
            footer{color:var(--muted);font-size:12px;margin-top:8px}
            @media print{body{background:#fff}.card,.kpi{break-inside:avoid}}
            """;
}
