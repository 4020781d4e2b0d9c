package org.stirshield.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts per key per time bucket (local hours of a {@link ReportZone}), built one event at a time in bounded
 * memory. Buckets are hours while the data spans at most {@link #HOURLY_SPAN} hours, then days while it spans
 * at most {@link #DAILY_SPAN} hours, then weeks starting on Monday: the buckets already counted are merged
 * when the span grows, so memory is at most {@code keys × buckets} cells whatever the period. At most
 * {@code maxKeys} distinct keys are kept; further ones are counted under {@link ReportStats#OTHER}.
 */
final class TimeSeries {
    /** Hourly buckets up to 14 days of data. */
    static final long HOURLY_SPAN = 14 * 24;
    /** Daily buckets up to 400 days of data, weekly beyond. */
    static final long DAILY_SPAN = 400 * 24;
    /** 1970-01-05, the first Monday, in local hours. */
    private static final long FIRST_MONDAY = 4 * 24;

    private final int maxKeys;
    private final Map<String, Map<Long, long[]>> cells = new HashMap<>();
    private final Map<String, long[]> totals = new HashMap<>();
    private int step = 1;
    private long minHour = Long.MAX_VALUE;
    private long maxHour = Long.MIN_VALUE;

    TimeSeries(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    /** Counts one event of {@code key} (null: {@link ReportStats#NONE}) in local hour {@code hour}. */
    void add(String key, long hour) {
        String k = key == null ? ReportStats.NONE : key;
        if (!cells.containsKey(k) && cells.size() >= maxKeys) {
            k = ReportStats.OTHER;
        }
        minHour = Math.min(minHour, hour);
        maxHour = Math.max(maxHour, hour);
        long span = maxHour - minHour;
        if (step == 1 && span > HOURLY_SPAN) {
            coarsen(24);
        }
        if (step == 24 && span > DAILY_SPAN) {
            coarsen(168);
        }
        cells.computeIfAbsent(k, x -> new HashMap<>()).computeIfAbsent(bucket(hour), b -> new long[1])[0]++;
        totals.computeIfAbsent(k, x -> new long[1])[0]++;
    }

    private void coarsen(int newStep) {
        step = newStep;
        for (Map.Entry<String, Map<Long, long[]>> e : cells.entrySet()) {
            Map<Long, long[]> merged = new HashMap<>();
            e.getValue().forEach((b, c) -> merged.computeIfAbsent(bucket(b), x -> new long[1])[0] += c[0]);
            e.setValue(merged);
        }
    }

    /** The start (local hour) of the bucket holding {@code hour}. */
    long bucket(long hour) {
        return switch (step) {
            case 1 -> hour;
            case 24 -> Math.floorDiv(hour, 24) * 24;
            default -> Math.floorDiv(hour - FIRST_MONDAY, step) * step + FIRST_MONDAY;
        };
    }

    /** Bucket length in hours: 1, 24 or 168. */
    int stepHours() {
        return step;
    }

    boolean isEmpty() {
        return cells.isEmpty();
    }

    /** Every bucket start from the first event's to the last's, gaps included. */
    List<Long> buckets() {
        List<Long> out = new ArrayList<>();
        if (cells.isEmpty()) {
            return out;
        }
        for (long b = bucket(minHour); b <= maxHour; b += step) {
            out.add(b);
        }
        return out;
    }

    long count(String key, long bucket) {
        Map<Long, long[]> m = cells.get(key);
        long[] c = m == null ? null : m.get(bucket);
        return c == null ? 0 : c[0];
    }

    long total(String key) {
        long[] c = totals.get(key);
        return c == null ? 0 : c[0];
    }

    /** The {@code n} keys with the most events, most first (ties by key). */
    List<String> topKeys(int n) {
        List<String> keys = new ArrayList<>(totals.keySet());
        keys.sort(Comparator.comparingLong((String k) -> -totals.get(k)[0]).thenComparing(k -> k));
        return keys.subList(0, Math.min(n, keys.size()));
    }

    /**
     * The series of the {@code n} largest keys, plus one {@link ReportStats#OTHER} series summing the rest
     * when there are more; each series has one count per {@link #buckets()} entry.
     */
    Map<String, long[]> top(int n) {
        List<Long> buckets = buckets();
        List<String> keys = topKeys(Integer.MAX_VALUE);
        Map<String, long[]> out = new LinkedHashMap<>();
        long[] rest = null;
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            boolean own = i < n && !(k.equals(ReportStats.OTHER) && keys.size() > n);
            long[] row = own ? new long[buckets.size()] : rest == null ? (rest = new long[buckets.size()]) : rest;
            for (int b = 0; b < buckets.size(); b++) {
                row[b] += count(k, buckets.get(b));
            }
            if (own) {
                out.put(k, row);
            }
        }
        if (rest != null) {
            out.merge(ReportStats.OTHER, rest, (a, b) -> {
                for (int i = 0; i < a.length; i++) {
                    a[i] += b[i];
                }
                return a;
            });
        }
        return out;
    }
}
