package org.stirshield.audit;

import static org.stirshield.audit.ReportText.clean;
import static org.stirshield.audit.ReportText.num;
import static org.stirshield.audit.ReportText.pct;
import static org.stirshield.audit.ReportText.time;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The report's tables, built once from the aggregates and shown by both the text and the HTML format. */
final class ReportTables {
    /** One table: a title, a note on what it counts, column headers, rows, which columns are numbers. */
    record Table(String id, String title, String note, List<String> headers, List<List<String>> rows, boolean[] right) {
    }

    private static final int CELL = 64;

    private ReportTables() {
    }

    static List<Table> build(ReportStats s, int top) {
        List<Table> t = new ArrayList<>();
        t.add(tally("by-status", "Calls by status", "STIR_STATUS of every call", "STATUS", s.byStatus, s.calls, top));
        t.add(tally("by-action", "Calls by action", "STIR_ACTION of every call", "ACTION", s.byAction, s.calls, top));
        List<List<String>> spoofRows = new ArrayList<>();
        for (Map.Entry<String, Long> e : s.spoofed.top(top)) {
            spoofRows.add(List.of(clean(e.getKey(), CELL), clean(s.agencyOf.getOrDefault(e.getKey(), "-"), CELL),
                    num(e.getValue())));
        }
        t.add(new Table("spoofed", "Protected numbers most often spoofed",
                "failed or rejected calls whose caller ID claimed a protected number",
                List.of("CALLER ID", "AGENCY", "FAILED CALLS"), spoofRows, new boolean[] {false, false, true}));
        t.add(tally("failed-reason", "Failed calls by reason", "STIR_REASON of failed or rejected calls", "REASON",
                s.failedByReason, s.failed, top));
        t.add(tally("failed-trunk", "Failed calls by inbound trunk", "the context/trunk the call arrived on", "TRUNK",
                s.failedByTrunk, s.failed, top));
        t.add(tally("failed-spc", "Failed calls by signer SPC",
                "service provider code in the signing certificate's TNAuthList", "SPC", s.failedBySpc, s.failed, top));
        t.add(tally("failed-x5u", "Failed calls by x5u host", "where the signing certificate was fetched from",
                "X5U HOST", s.failedByX5uHost, s.failed, top));
        t.add(tally("failed-origid", "Failed calls by origid", "the originating entry point the signer named",
                "ORIGID", s.failedByOrigid, s.failed, top));
        List<List<String>> replayRows = new ArrayList<>();
        for (ReportStats.Replay r : s.topReplays(top)) {
            replayRows.add(List.of(clean(r.passport, 16), num(r.flaggedCalls), num(r.maxReplayCount), time(r.first),
                    time(r.last), clean(String.join(" ", r.callers), CELL), clean(String.join(" ", r.trunks), CELL)));
        }
        t.add(new Table("replays", "Replayed PASSporTs",
                "the same signed PASSporT on more than one call within its freshness window; "
                        + "the first call is not flagged",
                List.of("PASSPORT", "FLAGGED CALLS", "MAX OTHERS", "FIRST", "LAST", "CALLERS", "TRUNKS"), replayRows,
                new boolean[] {false, true, true, false, false, false, false}));
        List<String> hourHeaders = new ArrayList<>();
        hourHeaders.add("HOUR (UTC)");
        hourHeaders.addAll(ReportStats.STATUSES);
        hourHeaders.add("OTHER");
        hourHeaders.add("TOTAL");
        boolean[] hourRight = new boolean[hourHeaders.size()];
        java.util.Arrays.fill(hourRight, true);
        hourRight[0] = false;
        List<List<String>> hourRows = new ArrayList<>();
        s.perHour.forEach((hour, counts) -> {
            List<String> row = new ArrayList<>();
            row.add(ReportText.HOUR.format(java.time.Instant.ofEpochSecond(hour * 3600)));
            long total = 0;
            for (long c : counts) {
                row.add(num(c));
                total += c;
            }
            row.add(num(total));
            hourRows.add(row);
        });
        t.add(new Table("per-hour", "Calls per hour", "hours with calls", hourHeaders, hourRows, hourRight));
        return t;
    }

    private static Table tally(String id, String title, String note, String what, ReportStats.Tally tally, long whole,
            int top) {
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Long> e : tally.top(top)) {
            rows.add(List.of(clean(e.getKey(), CELL), num(e.getValue()), pct(e.getValue(), whole)));
        }
        String more = tally.size() > top ? " (top " + top + " of " + num(tally.size()) + ")" : "";
        return new Table(id, title, note + more, List.of(what, "CALLS", "SHARE"), rows, new boolean[] {false, true, true});
    }
}
