package org.stirshield.audit;

import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The analyst report's aggregates, built one record at a time. Memory is bounded: each tally holds at most
 * {@link #MAX_KEYS} distinct keys (further keys are summed under {@code (other)}), so a huge log costs only
 * its aggregates.
 */
final class ReportStats {
    static final int MAX_KEYS = 50_000;
    static final String OTHER = "(other)";
    static final String NONE = "(none)";
    /** The verdict columns of the calls-per-hour chart, in stacking order. */
    static final List<String> STATUSES = List.of("PASS", "NOT_PROTECTED", "NO_IDENTITY", "FAIL");

    long calls;
    long failed;
    long rejected;
    long replayed;
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
    /** Failed/rejected calls claiming a protected number, by that number. */
    final Tally spoofed = new Tally();
    final Map<String, String> agencyOf = new HashMap<>();
    final Map<String, Replay> replays = new HashMap<>();
    /** Calls per hour (epoch hour) by status index in {@link #STATUSES} (+1 slot for anything else). */
    final TreeMap<Long, long[]> perHour = new TreeMap<>();

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
        long hour = e.ts().getEpochSecond() / 3600;
        long[] row = perHour.computeIfAbsent(hour, h -> new long[STATUSES.size() + 1]);
        int idx = e.status() == null ? -1 : STATUSES.indexOf(e.status());
        row[idx < 0 ? STATUSES.size() : idx]++;
        if ("reject".equals(e.action())) {
            rejected++;
        }
        if (e.failed()) {
            failed++;
            failedByTrunk.add(e.trunk());
            failedBySpc.add(e.spc());
            failedByX5uHost.add(host(e.x5u()));
            failedByOrigid.add(e.origid());
            failedByReason.add(e.reason());
            if (e.isProtected()) {
                String number = e.caller() == null ? e.entry() : e.caller();
                if (spoofed.add(number) && e.agency() != null && agencyOf.size() < MAX_KEYS) {
                    agencyOf.putIfAbsent(number, e.agency());
                }
            }
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

    /** Calls per time bucket (hour, or day when the span is long), gaps filled with zeros. */
    record Bucket(Instant start, long[] counts) {
        long total() {
            long t = 0;
            for (long c : counts) {
                t += c;
            }
            return t;
        }
    }

    /** Bucket length in hours: 1 up to 14 days of data, else 24 (one bar a day). */
    int bucketHours() {
        if (perHour.isEmpty()) {
            return 1;
        }
        return perHour.lastKey() - perHour.firstKey() > 14 * 24 ? 24 : 1;
    }

    List<Bucket> buckets() {
        List<Bucket> out = new ArrayList<>();
        if (perHour.isEmpty()) {
            return out;
        }
        int step = bucketHours();
        long from = Math.floorDiv(perHour.firstKey(), step) * step;
        long to = perHour.lastKey();
        for (long h = from; h <= to; h += step) {
            long[] sum = new long[STATUSES.size() + 1];
            for (long[] row : perHour.subMap(h, h + step).values()) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += row[i];
                }
            }
            out.add(new Bucket(Instant.EPOCH.plus(h, ChronoUnit.HOURS), sum));
        }
        return out;
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
