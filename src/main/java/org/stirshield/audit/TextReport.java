package org.stirshield.audit;

import static org.stirshield.audit.ReportText.num;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/** The report as aligned plain-text tables (the default format). */
final class TextReport {
    /** Spoofed numbers whose latest calls are listed (the drill-down of the HTML page). */
    static final int DRILL_NUMBERS = 10;
    /** Calls listed per number. */
    static final int DRILL_CALLS = 10;

    private final ReportStats s;
    private final AuditReport.ReportHeader h;
    private final int top;

    TextReport(ReportStats s, AuditReport.ReportHeader h, int top) {
        this.s = s;
        this.h = h;
        this.top = top;
    }

    void write(Writer out) throws IOException {
        ReportZone z = s.zone;
        StringBuilder b = new StringBuilder();
        b.append("StirShield audit report\n");
        b.append("=======================\n");
        b.append("  Files:    ").append(ReportText.clean(
                h.files().stream().map(Path::toString).collect(Collectors.joining(", ")), 400)).append('\n');
        b.append("  Times:    ").append(z.describe(s.first, s.last)).append('\n');
        if (h.since() != null || h.until() != null) {
            b.append("  Period:   ").append(h.since() == null ? "start" : z.time(h.since())).append(" to ")
                    .append(h.until() == null ? "end" : z.time(h.until())).append(" (end exclusive)\n");
        }
        b.append("  Records:  ").append(num(s.calls)).append(" calls");
        if (s.calls > 0) {
            b.append(" from ").append(z.time(s.first)).append(" to ").append(z.time(s.last));
        }
        b.append('\n');
        AuditFiles.Counts c = h.counts();
        b.append("  Skipped:  ").append(num(c.malformed)).append(" malformed lines, ").append(num(c.outsideRange))
                .append(" records outside the period\n");
        for (String err : c.fileErrors) {
            b.append("  WARNING:  ").append(ReportText.clean(err, 300)).append('\n');
        }
        for (String err : c.notAuditLogs()) {
            b.append("  WARNING:  ").append(ReportText.clean(err, 300)).append('\n');
        }
        b.append("  Failed:   ").append(num(s.failed)).append(" (").append(ReportText.pct(s.failed, s.calls))
                .append("), rejected ").append(num(s.rejected)).append(", flagged as replays ")
                .append(num(s.replayed)).append('\n');
        b.append("  Spoofing: ").append(num(s.spoofedCalls)).append(" attempts on protected numbers (")
                .append(ReportText.pct(s.spoofedCalls, s.protectedCalls)).append(" of ").append(num(s.protectedCalls))
                .append(" calls claiming one)\n");
        for (ReportTables.Table t : ReportTables.build(s, top)) {
            section(b, t);
            if (t.id().equals("spoofed")) {
                drillDown(b);
            }
        }
        out.write(b.toString());
    }

    /** The latest calls of the most spoofed numbers. */
    private void drillDown(StringBuilder b) {
        int i = 0;
        for (Map.Entry<String, Long> e : s.spoofed.top(Math.min(top, DRILL_NUMBERS))) {
            ReportTables.Table t = ReportTables.calls(s, e.getKey(), ++i, DRILL_CALLS);
            if (t != null) {
                b.append('\n').append("Latest attempts: ").append(t.title()).append('\n');
                b.append("  (").append(t.note()).append(")\n");
                b.append(ReportText.table(t.headers(), t.rows(), t.right()));
            }
        }
    }

    private static void section(StringBuilder b, ReportTables.Table t) {
        b.append('\n').append(t.title()).append('\n');
        b.append("  (").append(t.note()).append(")\n");
        b.append(ReportText.table(t.headers(), t.rows(), t.right()));
    }
}
