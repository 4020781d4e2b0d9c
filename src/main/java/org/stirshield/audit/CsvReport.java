package org.stirshield.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.List;

/**
 * The failed calls as CSV ({@code report --format csv}), one row per failed or rejected call, written as the
 * files are read: nothing is held in memory. Spreadsheet-safe ({@link Csv}): telephone numbers in E.164 with
 * their {@code +}, times with milliseconds in the report's zone with its UTC offset.
 */
final class CsvReport {
    static final List<String> COLUMNS = List.of("time", "caller", "called", "trunk", "origid", "spc", "x5u", "reason",
            "sip_code", "unique_id", "status", "action", "attest", "agency", "cert_fp", "replay_count", "sip_call_id",
            "source", "verify");

    private final Writer out;
    private final ReportZone zone;

    CsvReport(Writer out, ReportZone zone) {
        this.out = out;
        this.zone = zone;
    }

    void header() throws IOException {
        out.write(Csv.row(COLUMNS));
    }

    void row(AuditEntry e) {
        try {
            out.write(Csv.row(List.of(Csv.text(zone.iso(e.ts())), Csv.text(E164.display(e.caller())),
                    Csv.text(E164.display(e.called())), Csv.text(e.trunk()), Csv.text(e.origid()), Csv.text(e.spc()),
                    Csv.text(e.x5u()), Csv.text(e.reason()), Csv.number(e.sipCode()), Csv.text(e.uniqueId()),
                    Csv.text(e.status()), Csv.text(e.action()), Csv.text(e.attest()), Csv.text(e.agency()),
                    Csv.text(e.certFp()), Csv.number(e.replayCount()), Csv.text(e.sipCallId()), Csv.text(e.source()),
                    Csv.text(e.verify()))));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    void finish() throws IOException {
        out.flush();
    }
}
