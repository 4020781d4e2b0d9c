package org.stirshield.audit;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The analyst report's aggregates, built one record at a time. Memory is bounded: each tally holds at most
 * {@link #MAX_KEYS} distinct keys (further keys are summed under {@code (other)}), the time series at most
 * {@link #SERIES_KEYS} keys in at most a few hundred buckets each ({@link TimeSeries}), the drill-down and
 * the signers their own fixed bounds: a huge log costs only its aggregates.
 */
final class ReportStats {
    static final int MAX_KEYS = 50_000;
    /** Keys per time series (agencies, trunks). */
    static final int SERIES_KEYS = 200;
    static final String OTHER = "(other)";
    static final String NONE = "(none)";
    /** The verdict columns of the calls-over-time chart, in stacking order ({@link #OTHER} last). */
    static final List<String> STATUSES = List.of("PASS", "NOT_PROTECTED", "NO_IDENTITY", "FAIL");
    /** The outcome columns of the protected / unprotected split. */
    static final List<String> OUTCOMES = List.of("verified", "no identity", "failed", "other");

    final ReportZone zone;
    long calls;
    long failed;
    long rejected;
    long replayed;
    /** Calls whose caller ID claimed a protected number. */
    long protectedCalls;
    /** Failed or rejected calls claiming a protected number. */
    long spoofedCalls;
    Instant first;
    Instant last;
    final Tally byStatus = new Tally();
    final Tally byAction = new Tally();
    final Tally byReason = new Tally();
    final Tally failedByTrunk = new Tally();
    final Tally failedBySpc = new Tally();
    final Tally failedByX5uHost = new Tally();
    final Tally failedByOrigid = new Tally();
    final Tally failedByReason = new Tally();
    /** Spoofing attempts by the protected number claimed. */
    final Tally spoofed = new Tally();
    /** Spoofing attempts by the number called: the people the spoofers went after. */
    final Tally called = new Tally();
    final Map<String, String> agencyOf = new HashMap<>();
    /** Outcome counts ({@link #OUTCOMES}) of calls claiming a protected number, and of the others. */
    final long[] protectedSplit = new long[OUTCOMES.size()];
    final long[] unprotectedSplit = new long[OUTCOMES.size()];
    /** Calls over time by {@link #STATUSES}. */
    final TimeSeries verdicts = new TimeSeries(STATUSES.size() + 1);
    /** Spoofing attempts over time by agency, and by inbound trunk. */
    final TimeSeries agencies = new TimeSeries(SERIES_KEYS);
    final TimeSeries trunks = new TimeSeries(SERIES_KEYS);
    final DrillDown drillDown = new DrillDown();
    final Signers signers = new Signers();
    final Map<String, Replay> replays = new HashMap<>();

    ReportStats(ReportZone zone) {
        this.zone = zone;
    }

    ReportStats() {
        this(ReportZone.utc());
    }

    /** One PASSporT seen on more than one call. */
    static final class Replay {
        final String passport;
        long flaggedCalls;
        int maxReplayCount;
        Instant first;
        Instant last;
        final Set<String> callers = new LinkedHashSet<>();
        final Set<String> trunks = new LinkedHashSet<>();

        Replay(String passport) {
            this.passport = passport;
        }
    }

    void add(AuditEntry e) {
        calls++;
        first = first == null || e.ts().isBefore(first) ? e.ts() : first;
        last = last == null || e.ts().isAfter(last) ? e.ts() : last;
        byStatus.add(e.status());
        byAction.add(e.action());
        byReason.add(e.reason());
        long hour = zone.localHour(e.ts());
        verdicts.add(e.status() != null && STATUSES.contains(e.status()) ? e.status() : OTHER, hour);
        if ("reject".equals(e.action())) {
            rejected++;
        }
        (e.isProtected() ? protectedSplit : unprotectedSplit)[outcome(e)]++;
        if (e.isProtected()) {
            protectedCalls++;
        }
        if (e.failed()) {
            failed++;
            failedByTrunk.add(e.trunk());
            failedBySpc.add(e.spc());
            failedByX5uHost.add(host(e.x5u()));
            failedByOrigid.add(e.origid());
            failedByReason.add(e.reason());
        }
        if (e.spoofed()) {
            spoofedCalls++;
            String number = e.caller() == null ? e.entry() : e.caller();
            if (spoofed.add(number) && e.agency() != null && agencyOf.size() < MAX_KEYS) {
                agencyOf.putIfAbsent(number, e.agency());
            }
            called.add(e.called());
            agencies.add(e.agency(), hour);
            trunks.add(e.trunk(), hour);
            drillDown.add(number == null ? NONE : number, e);
            signers.add(e);
        }
        if (e.replayCount() > 0 && e.passport() != null) {
            replayed++;
            Replay r = replays.get(e.passport());
            if (r == null && replays.size() < MAX_KEYS) {
                r = new Replay(e.passport());
                replays.put(e.passport(), r);
            }
            if (r != null) {
                r.flaggedCalls++;
                r.maxReplayCount = Math.max(r.maxReplayCount, e.replayCount());
                r.first = r.first == null || e.ts().isBefore(r.first) ? e.ts() : r.first;
                r.last = r.last == null || e.ts().isAfter(r.last) ? e.ts() : r.last;
                if (r.callers.size() < 5 && e.caller() != null) {
                    r.callers.add(e.caller());
                }
                if (r.trunks.size() < 5 && e.trunk() != null) {
                    r.trunks.add(e.trunk());
                }
            }
        }
    }

    /** The index in {@link #OUTCOMES}: failed (as the whole report counts it), verified, unsigned, other. */
    static int outcome(AuditEntry e) {
        if (e.failed()) {
            return 2;
        }
        if ("PASS".equals(e.verify()) || "PASS".equals(e.status())) {
            return 0;
        }
        if ("NO_IDENTITY".equals(e.verify()) || "NO_IDENTITY".equals(e.status())) {
            return 1;
        }
        return 3;
    }

    /** The replays with the most flagged calls first. */
    List<Replay> topReplays(int n) {
        List<Replay> all = new ArrayList<>(replays.values());
        all.sort(Comparator.comparingLong((Replay r) -> -r.flaggedCalls).thenComparing(r -> r.passport));
        return all.subList(0, Math.min(n, all.size()));
    }

    /** The host of an x5u URL, {@code (none)} or {@code (unparseable)}. */
    static String host(String x5u) {
        if (x5u == null) {
            return null;
        }
        try {
            String h = URI.create(x5u.trim()).getHost();
            return h == null ? "(unparseable)" : h.toLowerCase(java.util.Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return "(unparseable)";
        }
    }

    /** A bounded counter of keys (null counts as {@code (none)}). */
    static final class Tally {
        private final HashMap<String, long[]> counts = new HashMap<>();

        /** Counts the key; false when it went to {@code (other)} because the tally is full. */
        boolean add(String key) {
            String k = key == null ? NONE : key;
            long[] c = counts.get(k);
            boolean kept = true;
            if (c == null) {
                if (counts.size() >= MAX_KEYS) {
                    k = OTHER;
                    kept = false;
                }
                c = counts.computeIfAbsent(k, x -> new long[1]);
            }
            c[0]++;
            return kept;
        }

        long get(String key) {
            long[] c = counts.get(key);
            return c == null ? 0 : c[0];
        }

        int size() {
            return counts.size();
        }

        /** The {@code n} largest counts, ties by key. */
        List<Map.Entry<String, Long>> top(int n) {
            List<Map.Entry<String, Long>> all = new ArrayList<>(counts.size());
            counts.forEach((k, v) -> all.add(Map.entry(k, v[0])));
            all.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            return all.subList(0, Math.min(n, all.size()));
        }
    }
}
