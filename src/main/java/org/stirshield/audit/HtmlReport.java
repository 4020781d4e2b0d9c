package org.stirshield.audit;

import static org.stirshield.audit.ReportText.clean;
import static org.stirshield.audit.ReportText.num;
import static org.stirshield.audit.ReportText.pct;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The report as one self-contained HTML page: inline CSS, inline SVG charts ({@link SvgCharts}), no script and
 * no network resources (it opens the same offline, in a mail attachment or an air-gapped analyst desk). Charts
 * carry the story; tables appear only where they say more than a chart (signers, repeated origids, replays,
 * and the drill-down from each spoofed number to its calls, which uses {@code <details>} elements the bars of
 * the spoofed-numbers chart link to). Every value from the log is HTML-escaped: caller IDs and trunk names are
 * attacker-controlled.
 */
final class HtmlReport {
    /** Verdict colours: PASS, NOT_PROTECTED, NO_IDENTITY, FAIL, other. */
    static final String[] COLORS = {"#2e7d32", "#90a4ae", "#f2a900", "#c62828", "#6d4c41"};
    static final String[] LABELS = {"Verified (PASS)", "Not protected", "No identity", "Failed (FAIL)", "Other"};
    /** Outcome colours of the protected / unprotected split: verified, no identity, failed, other. */
    static final List<String> OUTCOME_COLORS = List.of(COLORS[0], COLORS[2], COLORS[3], COLORS[4]);
    /** Series colours (agencies, trunks), the last for "(other)". */
    static final String[] SERIES = {"#1565c0", "#c62828", "#2e7d32", "#8e24aa", "#ef6c00", "#00838f", "#6d4c41",
        "#ad1457"};
    static final String OTHER_COLOR = "#90a4ae";
    /** Lines per series chart: the agencies or trunks with the most attempts. */
    static final int LINES = 8;
    /** Spoofed numbers in the chart and the drill-down. */
    static final int SPOOFED_SHOWN = 15;

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
        String zoneName = s.zone.describe(s.first, s.last);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>StirShield audit report</title>\n<style>\n").append(CSS).append("</style></head>\n<body>\n");
        b.append("<header><h1>StirShield audit report</h1><p class=\"meta\">")
                .append(esc(s.zone.time(s.first))).append(" to ").append(esc(s.zone.time(s.last)));
        if (h.since() != null || h.until() != null) {
            b.append(" &middot; period ").append(esc(h.since() == null ? "start" : s.zone.time(h.since()))).append(" to ")
                    .append(esc(h.until() == null ? "end" : s.zone.time(h.until())));
        }
        b.append(" &middot; <strong id=\"zone\">times in ").append(esc(zoneName)).append("</strong> &middot; ")
                .append(esc(clean(h.files().stream().map(Path::toString).collect(Collectors.joining(", ")), 300)))
                .append("</p></header>\n");
        AuditFiles.Counts c = h.counts();
        for (String err : c.fileErrors) {
            b.append("<p class=\"warn\">Could not read all of ").append(esc(clean(err, 300))).append("</p>\n");
        }
        for (String err : c.notAuditLogs()) {
            b.append("<p class=\"warn\">").append(esc(clean(err, 300))).append("</p>\n");
        }
        kpis(b, c);
        split(b);

        card(b, "Calls per " + ReportTables.bucketName(s.verdicts.stepHours()) + " by verdict", null);
        legend(b, LABELS, COLORS, null);
        List<SvgCharts.Series> verdicts = new ArrayList<>();
        List<Long> buckets = s.verdicts.buckets();
        List<String> keys = new ArrayList<>(ReportStats.STATUSES);
        keys.add(ReportStats.OTHER);
        for (int i = 0; i < keys.size(); i++) {
            long[] row = new long[buckets.size()];
            for (int j = 0; j < row.length; j++) {
                row[j] = s.verdicts.count(keys.get(i), buckets.get(j));
            }
            verdicts.add(new SvgCharts.Series(LABELS[i], row, COLORS[i]));
        }
        SvgCharts.stackedBars(b, "chart-per-hour", buckets, verdicts, s.verdicts.stepHours(), zoneName);
        b.append("</section>\n");

        series(b, "chart-agencies", "Spoofing attempts per agency",
                "failed or rejected calls claiming one of the agency's protected numbers", s.agencies, zoneName,
                "No spoofing attempts in this period.");
        series(b, "chart-trunks", "Spoofing attempts per inbound trunk",
                "the trunk (dialplan context) the spoofing attempts arrived on: which carrier brings them, and when",
                s.trunks, zoneName, "No spoofing attempts in this period.");
        spoofed(b);

        card(b, "Called numbers most targeted", "the numbers the spoofing attempts called: the people the spoofers "
                + "went after");
        SvgCharts.hBars(b, "chart-called", s.called.top(Math.min(top, SPOOFED_SHOWN)).stream()
                .map(e -> new SvgCharts.Bar(E164.display(e.getKey()), null, e.getValue(), null)).toList(), "#1565c0",
                "No spoofing attempts in this period.");
        b.append("</section>\n");

        card(b, "Failed calls by reason", "STIR_REASON of every failed or rejected call, protected or not");
        SvgCharts.hBars(b, "chart-reasons", s.failedByReason.top(Math.min(top, SPOOFED_SHOWN)).stream()
                .map(e -> new SvgCharts.Bar(e.getKey(), null, e.getValue(), null)).toList(), "#8e24aa", "No failed calls.");
        b.append("</section>\n");

        table(b, ReportTables.signers(s, top), "No spoofing attempt carried a PASSporT.");
        ReportTables.Table origids = ReportTables.origids(s, top);
        if (!origids.rows().isEmpty()) {
            table(b, origids, null);
        }
        table(b, ReportTables.replays(s, top), "No PASSporT was seen on more than one call.");

        b.append("<footer>Generated by <code>stirshield report</code>. Times are in ").append(esc(zoneName))
                .append(" (<code>--tz</code> changes it). A call counts as failed when verification failed or the call "
                        + "was rejected; a spoofing attempt is a failed call whose caller ID claimed a protected number. "
                        + "Telephone numbers are shown in E.164.</footer>\n</body></html>\n");
        out.write(b.toString());
    }

    private void kpis(StringBuilder b, AuditFiles.Counts c) {
        b.append("<section class=\"kpis\">");
        kpi(b, "Calls", num(s.calls), "", null);
        kpi(b, "Protected numbers", num(s.protectedCalls), pct(s.protectedCalls, s.calls) + " of calls", "#1565c0");
        kpi(b, "Spoofing attempts", num(s.spoofedCalls), pct(s.spoofedCalls, s.protectedCalls) + " of protected",
                COLORS[3]);
        long verified = s.protectedSplit[0] + s.unprotectedSplit[0];
        kpi(b, "Verified", num(verified), pct(verified, s.calls), COLORS[0]);
        kpi(b, "Rejected", num(s.rejected), pct(s.rejected, s.calls), COLORS[3]);
        kpi(b, "Replays flagged", num(s.replayed), "", s.replayed > 0 ? COLORS[2] : null);
        kpi(b, "Malformed lines", num(c.malformed), c.outsideRange > 0 ? num(c.outsideRange) + " outside period" : "",
                c.malformed > 0 ? COLORS[4] : null);
        b.append("</section>\n");
    }

    /** Outcomes of protected and unprotected traffic, side by side. */
    private void split(StringBuilder b) {
        card(b, "Protected and unprotected traffic", "outcome of the calls whose caller ID claimed a protected number, "
                + "and of all others; failed includes rejected");
        String[] names = ReportStats.OUTCOMES.stream().map(o -> Character.toUpperCase(o.charAt(0)) + o.substring(1))
                .toArray(String[]::new);
        legend(b, names, OUTCOME_COLORS.toArray(String[]::new), null);
        SvgCharts.splitBars(b, "chart-split", List.of("Protected numbers", "Other numbers"),
                List.of(s.protectedSplit, s.unprotectedSplit), List.of(names), OUTCOME_COLORS);
        b.append("</section>\n");
    }

    private void series(StringBuilder b, String id, String title, String note, TimeSeries ts, String zoneName,
            String emptyText) {
        card(b, title, note);
        Map<String, long[]> top = ts.top(LINES);
        List<SvgCharts.Series> lines = new ArrayList<>();
        String[] names = new String[top.size()];
        String[] colors = new String[top.size()];
        String[] totals = new String[top.size()];
        int i = 0;
        for (Map.Entry<String, long[]> e : top.entrySet()) {
            String color = e.getKey().equals(ReportStats.OTHER) ? OTHER_COLOR : SERIES[i % SERIES.length];
            lines.add(new SvgCharts.Series(e.getKey(), e.getValue(), color));
            names[i] = e.getKey();
            colors[i] = color;
            long sum = 0;
            for (long v : e.getValue()) {
                sum += v;
            }
            totals[i] = num(sum);
            i++;
        }
        if (!lines.isEmpty()) {
            legend(b, names, colors, totals);
        }
        SvgCharts.lines(b, id, ts.buckets(), lines, ts.stepHours(), zoneName, title, emptyText);
        b.append("</section>\n");
    }

    /** The most spoofed numbers as bars that link to their calls, and the calls in closed {@code <details>}. */
    private void spoofed(StringBuilder b) {
        card(b, "Protected numbers most often spoofed", "failed or rejected calls claiming the number; a bar or a "
                + "number below opens its latest calls");
        List<Map.Entry<String, Long>> spoofed = s.spoofed.top(Math.min(top, SPOOFED_SHOWN));
        List<SvgCharts.Bar> bars = new ArrayList<>();
        for (int i = 0; i < spoofed.size(); i++) {
            String n = spoofed.get(i).getKey();
            bars.add(new SvgCharts.Bar(E164.display(n), s.agencyOf.get(n), spoofed.get(i).getValue(),
                    s.drillDown.of(n) == null ? null : "#t-calls-" + (i + 1)));
        }
        SvgCharts.hBars(b, "chart-spoofed", bars, COLORS[3], "No failed calls claimed a protected number.");
        if (!spoofed.isEmpty()) {
            b.append("<div class=\"drill\">\n");
        }
        for (int i = 0; i < spoofed.size(); i++) {
            ReportTables.Table t = ReportTables.calls(s, spoofed.get(i).getKey(), i + 1, DrillDown.PER_NUMBER);
            if (t == null) {
                continue;
            }
            b.append("<details id=\"d-").append(i + 1).append("\"><summary>").append(esc(t.title()))
                    .append(" <span class=\"note\">(").append(esc(t.note())).append(")</span></summary>\n");
            table(b, t);
            b.append("</details>\n");
        }
        if (!spoofed.isEmpty()) {
            b.append("</div>\n");
        }
        b.append("</section>\n");
    }

    private static void card(StringBuilder b, String title, String note) {
        b.append("<section class=\"card\"><h2>").append(esc(title)).append("</h2>");
        if (note != null) {
            b.append("<p class=\"note\">").append(esc(note)).append("</p>");
        }
        b.append('\n');
    }

    private static void legend(StringBuilder b, String[] names, String[] colors, String[] values) {
        b.append("<p class=\"legend\">");
        for (int i = 0; i < names.length; i++) {
            b.append("<span><i style=\"background:").append(colors[i]).append("\"></i>").append(esc(clean(names[i], 120)));
            if (values != null) {
                b.append(" <b>").append(esc(values[i])).append("</b>");
            }
            b.append("</span>");
        }
        b.append("</p>\n");
    }

    private static void table(StringBuilder b, ReportTables.Table t, String emptyText) {
        card(b, t.title(), t.note());
        if (t.rows().isEmpty() && emptyText != null) {
            b.append("<p class=\"empty-note\">").append(esc(emptyText)).append("</p>\n");
        } else {
            table(b, t);
        }
        b.append("</section>\n");
    }

    private static void kpi(StringBuilder b, String label, String value, String sub, String color) {
        b.append("<div class=\"kpi\"").append(color == null ? "" : " style=\"border-top-color:" + color + "\"")
                .append("><div class=\"label\">").append(esc(label)).append("</div><div class=\"value\">")
                .append(esc(value)).append("</div><div class=\"sub\">").append(esc(sub)).append("</div></div>");
    }

    /** Column widths (percent) of the tables with many columns, so that long values wrap where there is room. */
    private static final Map<String, int[]> WIDTHS = Map.of(
            ReportTables.SIGNERS, new int[] {7, 16, 16, 9, 17, 17, 9, 9},
            ReportTables.REPLAYS, new int[] {16, 10, 9, 13, 13, 25, 14},
            ReportTables.ORIGIDS, new int[] {60, 20, 20},
            "calls", new int[] {17, 12, 12, 14, 19, 12, 7, 7});

    private static void table(StringBuilder b, ReportTables.Table t) {
        b.append("<table id=\"t-").append(t.id()).append("\">");
        int[] widths = WIDTHS.get(t.id().startsWith("calls-") ? "calls" : t.id());
        if (widths != null && widths.length == t.headers().size()) {
            b.append("<colgroup>");
            for (int w : widths) {
                b.append("<col style=\"width:").append(w).append("%\">");
            }
            b.append("</colgroup>");
        }
        b.append("<thead><tr>");
        for (int i = 0; i < t.headers().size(); i++) {
            b.append("<th").append(t.right()[i] ? " class=\"n\"" : "").append(">").append(esc(t.headers().get(i)))
                    .append("</th>");
        }
        b.append("</tr></thead><tbody>");
        for (List<String> r : t.rows()) {
            b.append("<tr>");
            for (int i = 0; i < r.size(); i++) {
                b.append("<td").append(t.right()[i] ? " class=\"n\"" : "").append(">").append(esc(r.get(i))).append("</td>");
            }
            b.append("</tr>");
        }
        b.append("</tbody></table>\n");
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
            body{margin:0 auto;max-width:1100px;padding:24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans","Noto Sans CJK SC",sans-serif;color:var(--fg);background:var(--bg)}
            header h1{margin:0 0 4px;font-size:26px}
            .meta,.note{color:var(--muted);margin:0 0 12px;overflow-wrap:anywhere}
            .note{font-size:12px}
            .warn{background:#fff4e5;border:1px solid #f2a900;padding:8px 12px;border-radius:6px;overflow-wrap:anywhere}
            .kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:12px;margin:16px 0}
            .kpi{background:#fff;border:1px solid var(--line);border-top:4px solid #52606d;border-radius:8px;padding:10px 12px;min-width:0}
            .kpi .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
            .kpi .value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
            .kpi .sub{color:var(--muted);font-size:12px;min-height:1em}
            .card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0 0 16px;min-width:0}
            .card h2{font-size:16px;margin:0 0 4px}
            .legend{margin:0 0 6px;font-size:12px;color:var(--muted);display:flex;flex-wrap:wrap;gap:4px 16px}
            .legend span{overflow-wrap:anywhere;min-width:0}
            .legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
            svg.chart{display:block;font-family:inherit;max-width:100%}
            svg a{cursor:pointer}
            svg a:hover rect{opacity:.8}
            svg .axis{font-size:11px;fill:var(--muted)}
            svg .grid{stroke:var(--line);stroke-width:1}
            svg .base{stroke:#9aa5b1;stroke-width:1}
            svg .label{font-size:13px;fill:var(--fg)}
            svg .sub{font-size:11px;fill:var(--muted)}
            svg .value{font-size:12px;fill:var(--fg);font-weight:600}
            svg .inbar{font-size:12px;fill:#fff;font-weight:600}
            svg .empty{font-size:14px;fill:var(--muted)}
            table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:13px}
            th,td{text-align:left;vertical-align:top;padding:4px 6px;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
            th{color:var(--muted);font-weight:600;font-size:11px;letter-spacing:.03em}
            td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
            .empty-note{color:var(--muted);font-style:italic;margin:4px 0}
            .drill{margin-top:8px}
            details{border-top:1px solid var(--line);padding:4px 0}
            details[open]{padding-bottom:10px}
            summary{cursor:pointer;overflow-wrap:anywhere}
            details table{font-size:12px;margin-top:4px}
            footer{color:var(--muted);font-size:12px;margin-top:8px}
            @media print{body{background:#fff}.card,.kpi{break-inside:avoid}details{display:block}}
            """;
}
