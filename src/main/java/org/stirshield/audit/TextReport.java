package org.stirshield.audit;

import static org.stirshield.audit.ReportText.num;
import static org.stirshield.audit.ReportText.time;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** The report as aligned plain-text tables (the default format). */
final class TextReport {
    private final ReportStats s;
    private final AuditReport.ReportHeader h;
    private final int top;

    TextReport(ReportStats s, AuditReport.ReportHeader h, int top) {
        this.s = s;
        this.h = h;
        this.top = top;
    }

    void write(Writer out) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("StirShield audit report\n");
        b.append("=======================\n");
        b.append("  Files:    ").append(ReportText.clean(
                h.files().stream().map(Path::toString).collect(Collectors.joining(", ")), 400)).append('\n');
        if (h.since() != null || h.until() != null) {
            b.append("  Period:   ").append(h.since() == null ? "start" : time(h.since())).append(" to ")
                    .append(h.until() == null ? "end" : time(h.until())).append(" (end exclusive)\n");
        }
        b.append("  Records:  ").append(num(s.calls)).append(" calls");
        if (s.calls > 0) {
            b.append(" from ").append(time(s.first)).append(" to ").append(time(s.last));
        }
        b.append('\n');
        AuditFiles.Counts c = h.counts();
        b.append("  Skipped:  ").append(num(c.malformed)).append(" malformed lines, ").append(num(c.outsideRange))
                .append(" records outside the period\n");
        for (String err : c.fileErrors) {
            b.append("  WARNING:  ").append(ReportText.clean(err, 300)).append('\n');
        }
        b.append("  Failed:   ").append(num(s.failed)).append(" (").append(ReportText.pct(s.failed, s.calls))
                .append("), rejected ").append(num(s.rejected)).append(", flagged as replays ")
                .append(num(s.replayed)).append('\n');
        for (ReportTables.Table t : ReportTables.build(s, top)) {
            b.append('\n').append(t.title()).append('\n');
            b.append("  (").append(t.note()).append(")\n");
            b.append(ReportText.table(t.headers(), t.rows(), t.right()));
        }
        out.write(b.toString());
    }
}
