package org.stirshield.audit;

import static org.stirshield.audit.ReportText.clean;
import static org.stirshield.audit.ReportText.num;
import static org.stirshield.audit.ReportText.pct;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The report's tables, built from the aggregates. The text format shows all of them; the HTML page only those
 * that say more than a chart would ({@link #SIGNERS}, {@link #ORIGIDS}, {@link #REPLAYS}, the drill-down).
 * Telephone numbers are shown in E.164 with {@code +} ({@link E164}), times in the report's zone.
 */
final class ReportTables {
    /** One table: a title, a note on what it counts, column headers, rows, which columns are numbers. */
    record Table(String id, String title, String note, List<String> headers, List<List<String>> rows, boolean[] right) {
    }

    static final String SIGNERS = "signers";
    static final String ORIGIDS = "origids";
    static final String REPLAYS = "replays";
    /** Agencies or trunks shown as columns of a series table (the rest summed in one more). */
    static final int SERIES_COLUMNS = 6;
    private static final int CELL = 64;

    private ReportTables() {
    }

    /** Every table of the text report, in order. */
    static List<Table> build(ReportStats s, int top) {
        List<Table> t = new ArrayList<>();
        t.add(split(s));
        t.add(tally("by-status", "Calls by status", "STIR_STATUS of every call", "STATUS", s.byStatus, s.calls, top));
        t.add(tally("by-action", "Calls by action", "STIR_ACTION of every call", "ACTION", s.byAction, s.calls, top));
        t.add(spoofed(s, top));
        t.add(numbers("called", "Called numbers most targeted",
                "the numbers the spoofing attempts called: the people the spoofers went after", "CALLED NUMBER",
                s.called, s.spoofedCalls, top));
        t.add(series("agency-series", "Spoofing attempts per agency over time", "agencies", s.agencies, s.zone));
        t.add(series("trunk-series", "Spoofing attempts per inbound trunk over time", "trunks", s.trunks, s.zone));
        t.add(tally("failed-reason", "Failed calls by reason", "STIR_REASON of failed or rejected calls", "REASON",
                s.failedByReason, s.failed, top));
        t.add(tally("failed-trunk", "Failed calls by inbound trunk", "the context/trunk the call arrived on", "TRUNK",
                s.failedByTrunk, s.failed, top));
        t.add(tally("failed-spc", "Failed calls by signer SPC",
                "service provider code in the signing certificate's TNAuthList", "SPC", s.failedBySpc, s.failed, top));
        t.add(tally("failed-x5u", "Failed calls by x5u host", "where the signing certificate was fetched from",
                "X5U HOST", s.failedByX5uHost, s.failed, top));
        t.add(signers(s, top));
        t.add(origids(s, top));
        t.add(replays(s, top));
        t.add(perBucket(s));
        return t;
    }

    /** Outcomes of the calls claiming a protected number and of the others. */
    static Table split(ReportStats s) {
        List<String> headers = new ArrayList<>(List.of("TRAFFIC"));
        ReportStats.OUTCOMES.forEach(o -> headers.add(o.toUpperCase(java.util.Locale.ROOT)));
        headers.add("TOTAL");
        List<List<String>> rows = new ArrayList<>();
        rows.add(splitRow("protected numbers", s.protectedSplit));
        rows.add(splitRow("other numbers", s.unprotectedSplit));
        boolean[] right = new boolean[headers.size()];
        Arrays.fill(right, true);
        right[0] = false;
        return new Table("split", "Protected and unprotected traffic",
                "calls whose caller ID claimed a protected number, and the rest; failed includes rejected", headers,
                rows, right);
    }

    private static List<String> splitRow(String name, long[] counts) {
        long total = Arrays.stream(counts).sum();
        List<String> row = new ArrayList<>(List.of(name));
        for (long c : counts) {
            row.add(num(c) + " (" + pct(c, total) + ")");
        }
        row.add(num(total));
        return row;
    }

    static Table spoofed(ReportStats s, int top) {
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Long> e : s.spoofed.top(top)) {
            rows.add(List.of(clean(E164.display(e.getKey()), CELL), clean(s.agencyOf.getOrDefault(e.getKey(), "-"), CELL),
                    num(e.getValue())));
        }
        return new Table("spoofed", "Protected numbers most often spoofed",
                "failed or rejected calls whose caller ID claimed a protected number" + more(s.spoofed, top),
                List.of("CALLER ID", "AGENCY", "ATTEMPTS"), rows, new boolean[] {false, false, true});
    }

    static Table signers(ReportStats s, int top) {
        List<List<String>> rows = new ArrayList<>();
        for (Signers.Signer g : s.signers.top(top)) {
            List<String> shown = g.numbers.stream().limit(3).map(E164::display).toList();
            int distinct = g.numbers.size();
            String numbers = (g.moreNumbers ? distinct + "+" : Integer.toString(distinct)) + ": "
                    + String.join(" ", shown) + (distinct > shown.size() || g.moreNumbers ? " …" : "");
            rows.add(List.of(clean(g.key.spc(), CELL), clean(g.key.certFp(), 17), clean(g.key.x5uHost(), CELL),
                    num(g.calls), clean(numbers, CELL), clean(String.join(", ", g.reasonList()), 2 * CELL),
                    s.zone.time(g.first), s.zone.time(g.last)));
        }
        String note = "spoofing attempts that carried a PASSporT, by signer: the certificate's SPC, the start of its "
                + "SHA-256 fingerprint (in full in the traceback list) and the x5u host; each signed for a protected "
                + "number it may not sign for, or its signature did not hold";
        if (s.signers.size() > top) {
            note += " (top " + top + " of " + num(s.signers.size()) + ")";
        }
        if (s.signers.otherCalls > 0) {
            note += "; " + num(s.signers.otherCalls) + " more attempts from signers beyond " + Signers.MAX_SIGNERS;
        }
        return new Table(SIGNERS, "Signers of spoofing attempts", note,
                List.of("SPC", "CERTIFICATE (SHA-256)", "X5U HOST", "ATTEMPTS", "NUMBERS", "REASONS", "FIRST", "LAST"),
                rows, new boolean[] {false, false, false, true, false, false, false, false});
    }

    /**
     * The latest spoofing attempts on one protected number (the drill-down), or null when none were kept.
     * The title names the number, its agency and how many attempts it had.
     */
    static Table calls(ReportStats s, String number, int index, int limit) {
        DrillDown.Calls calls = s.drillDown.of(number);
        if (calls == null) {
            return null;
        }
        List<List<String>> rows = new ArrayList<>();
        for (DrillDown.Call c : calls.latestFirst().stream().limit(limit).toList()) {
            rows.add(List.of(s.zone.timeMillis(c.ts()), clean(E164.display(c.called()), CELL), clean(c.trunk(), CELL),
                    clean(c.source(), CELL), clean(c.sipCallId(), 2 * CELL), clean(c.reason(), CELL),
                    clean(c.action(), CELL), clean(c.spc(), CELL)));
        }
        String agency = s.agencyOf.get(number);
        String title = E164.display(number) + (agency == null ? "" : " · " + agency) + " · " + num(calls.attempts)
                + (calls.attempts == 1 ? " attempt" : " attempts");
        String note = rows.size() < calls.attempts ? "the latest " + rows.size() + " of " + num(calls.attempts)
                : "all attempts";
        return new Table("calls-" + index, title, note,
                List.of("TIME", "CALLED", "TRUNK", "SOURCE", "SIP CALL-ID", "REASON", "ACTION", "SPC"), rows,
                new boolean[8]);
    }

    /** Origids on more than one failed call: the same entry point behind several attempts. */
    static Table origids(ReportStats s, int top) {
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Long> e : s.failedByOrigid.top(top + 1)) {
            if (e.getValue() > 1 && !e.getKey().equals(ReportStats.NONE) && rows.size() < top) {
                rows.add(List.of(clean(e.getKey(), CELL), num(e.getValue()), pct(e.getValue(), s.failed)));
            }
        }
        return new Table(ORIGIDS, "Origids on more than one failed call",
                "the originating entry point the signer named; an origid seen once says nothing, so only repeated "
                        + "ones are listed", List.of("ORIGID", "CALLS", "SHARE"), rows, new boolean[] {false, true, true});
    }

    static Table replays(ReportStats s, int top) {
        List<List<String>> rows = new ArrayList<>();
        for (ReportStats.Replay r : s.topReplays(top)) {
            rows.add(List.of(clean(r.passport, 16), num(r.flaggedCalls), num(r.maxReplayCount), s.zone.time(r.first),
                    s.zone.time(r.last), clean(String.join(" ", r.callers.stream().map(E164::display).toList()), CELL),
                    clean(String.join(" ", r.trunks), CELL)));
        }
        return new Table(REPLAYS, "Replayed PASSporTs",
                "the same signed PASSporT on more than one call within its freshness window; "
                        + "the first call is not flagged",
                List.of("PASSPORT", "FLAGGED CALLS", "MAX OTHERS", "FIRST", "LAST", "CALLERS", "TRUNKS"), rows,
                new boolean[] {false, true, true, false, false, false, false});
    }

    /** Calls per bucket by verdict: the numbers behind the calls-over-time chart. */
    static Table perBucket(ReportStats s) {
        TimeSeries v = s.verdicts;
        List<String> headers = new ArrayList<>();
        headers.add(bucketName(v.stepHours()).toUpperCase(java.util.Locale.ROOT));
        headers.addAll(ReportStats.STATUSES);
        headers.add("OTHER");
        headers.add("TOTAL");
        boolean[] right = new boolean[headers.size()];
        Arrays.fill(right, true);
        right[0] = false;
        List<List<String>> rows = new ArrayList<>();
        for (long b : v.buckets()) {
            List<String> row = new ArrayList<>();
            long total = 0;
            for (String k : ReportStats.STATUSES) {
                long c = v.count(k, b);
                row.add(num(c));
                total += c;
            }
            long other = v.count(ReportStats.OTHER, b);
            row.add(num(other));
            total += other;
            if (total == 0) {
                continue;
            }
            row.add(0, bucketLabel(s.zone, b, v.stepHours()));
            row.add(num(total));
            rows.add(row);
        }
        return new Table("per-bucket", "Calls per " + bucketName(v.stepHours()),
                bucketName(v.stepHours()) + "s with calls", headers, rows, right);
    }

    /** A time series as a table: one row per bucket with events, one column per top key. */
    static Table series(String id, String title, String whats, TimeSeries ts, ReportZone zone) {
        Map<String, long[]> top = ts.top(SERIES_COLUMNS);
        List<String> headers = new ArrayList<>();
        headers.add(bucketName(ts.stepHours()).toUpperCase(java.util.Locale.ROOT));
        top.keySet().forEach(k -> headers.add(clean(k, 24)));
        headers.add("TOTAL");
        boolean[] right = new boolean[headers.size()];
        Arrays.fill(right, true);
        right[0] = false;
        List<Long> buckets = ts.buckets();
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < buckets.size(); i++) {
            long total = 0;
            List<String> row = new ArrayList<>();
            row.add(bucketLabel(zone, buckets.get(i), ts.stepHours()));
            for (long[] counts : top.values()) {
                row.add(num(counts[i]));
                total += counts[i];
            }
            if (total > 0) {
                row.add(num(total));
                rows.add(row);
            }
        }
        return new Table(id, title, whats + " with the most attempts as columns, "
                + bucketName(ts.stepHours()) + "s with attempts as rows", headers, rows, right);
    }

    /** {@code hour}, {@code day} or {@code week}. */
    static String bucketName(int stepHours) {
        return stepHours == 1 ? "hour" : stepHours == 24 ? "day" : "week";
    }

    /** {@code 2026-11-23 16:00} for an hour, {@code 2026-11-23} for a day or the Monday of a week. */
    static String bucketLabel(ReportZone zone, long bucket, int stepHours) {
        return stepHours == 1 ? zone.hour(bucket) : zone.day(bucket);
    }

    static Table numbers(String id, String title, String note, String what, ReportStats.Tally tally, long whole,
            int top) {
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Long> e : tally.top(top)) {
            rows.add(List.of(clean(E164.display(e.getKey()), CELL), num(e.getValue()), pct(e.getValue(), whole)));
        }
        return new Table(id, title, note + more(tally, top), List.of(what, "ATTEMPTS", "SHARE"), rows,
                new boolean[] {false, true, true});
    }

    private static Table tally(String id, String title, String note, String what, ReportStats.Tally tally, long whole,
            int top) {
        List<List<String>> rows = new ArrayList<>();
        for (Map.Entry<String, Long> e : tally.top(top)) {
            rows.add(List.of(clean(e.getKey(), CELL), num(e.getValue()), pct(e.getValue(), whole)));
        }
        return new Table(id, title, note + more(tally, top), List.of(what, "CALLS", "SHARE"), rows,
                new boolean[] {false, true, true});
    }

    private static String more(ReportStats.Tally tally, int top) {
        return tally.size() > top ? " (top " + top + " of " + num(tally.size()) + ")" : "";
    }
}
