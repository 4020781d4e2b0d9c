package org.stirshield.audit;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Locale;

/**
 * The time zone a report shows times in ({@code report --tz ZONE}, default the machine's), with the
 * formatting and the local-hour arithmetic the report's tables and time series use. Local hours are counted
 * from 1970-01-01T00:00 local time, so a bucket is a wall-clock hour or day of the zone (zones with
 * half-hour offsets included). Not thread-safe (caches the current UTC offset): one per report.
 */
final class ReportZone {
    private final ZoneId zone;
    private final ZoneRules rules;
    private final DateTimeFormatter hour;
    private final DateTimeFormatter day;
    private final DateTimeFormatter second;
    private final DateTimeFormatter milli;
    private final DateTimeFormatter iso;
    /** The offset valid in [{@link #validFrom}, {@link #validTo}) epoch seconds. */
    private int offset;
    private long validFrom = Long.MAX_VALUE;
    private long validTo = Long.MIN_VALUE;

    ReportZone(ZoneId zone) {
        this.zone = zone;
        this.rules = zone.getRules();
        this.hour = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm", Locale.ROOT);
        this.day = DateTimeFormatter.ofPattern("uuuu-MM-dd", Locale.ROOT);
        this.second = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT).withZone(zone);
        this.milli = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(zone);
        this.iso = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT).withZone(zone);
    }

    static ReportZone utc() {
        return new ReportZone(ZoneOffset.UTC);
    }

    /** A zone id ({@code Asia/Shanghai}, {@code UTC}, {@code +08:00}); the message names what is wrong. */
    static ZoneId parse(String text) {
        try {
            return ZoneId.of(text.trim());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("--tz: not a time zone (e.g. UTC, Europe/Berlin, Asia/Shanghai, +08:00): "
                    + text);
        }
    }

    ZoneId zone() {
        return zone;
    }

    /** The local hour of {@code t}: whole hours from 1970-01-01T00:00 local time. */
    long localHour(Instant t) {
        long s = t.getEpochSecond();
        if (s < validFrom || s >= validTo) {
            offset = rules.getOffset(t).getTotalSeconds();
            ZoneOffsetTransition prev = rules.previousTransition(t);
            ZoneOffsetTransition next = rules.nextTransition(t);
            validFrom = prev == null ? Long.MIN_VALUE : prev.toEpochSecond();
            validTo = next == null ? Long.MAX_VALUE : next.toEpochSecond();
        }
        return Math.floorDiv(s + offset, 3600);
    }

    /** The local wall-clock start of a local hour. */
    static LocalDateTime wallClock(long localHour) {
        return LocalDateTime.ofEpochSecond(localHour * 3600, 0, ZoneOffset.UTC);
    }

    /** {@code 2026-11-23 16:00} for a local hour. */
    String hour(long localHour) {
        return hour.format(wallClock(localHour));
    }

    /** {@code 2026-11-23} for a local hour. */
    String day(long localHour) {
        return day.format(wallClock(localHour));
    }

    /** {@code 2026-11-23 16:20:05}, local; {@code -} for null. */
    String time(Instant t) {
        return t == null ? "-" : second.format(t);
    }

    /** {@code 2026-11-23 16:20:05.123}, local; {@code -} for null. */
    String timeMillis(Instant t) {
        return t == null ? "-" : milli.format(t.truncatedTo(ChronoUnit.MILLIS));
    }

    /** ISO-8601 with the local offset and milliseconds: {@code 2026-11-24T00:20:05.123+08:00}. */
    String iso(Instant t) {
        return t == null ? null : iso.format(t.truncatedTo(ChronoUnit.MILLIS));
    }

    /**
     * The zone for a heading: {@code Asia/Shanghai (UTC+08:00)}; both offsets when they differ between
     * {@code from} and {@code to} (daylight saving time inside the period).
     */
    String describe(Instant from, Instant to) {
        Instant a = from == null ? Instant.now() : from;
        Instant b = to == null ? a : to;
        String oa = utcOffset(rules.getOffset(a));
        String ob = utcOffset(rules.getOffset(b));
        String id = zone.getId();
        String offsets = oa.equals(ob) ? oa : oa + " and " + ob;
        return id.equals("Z") || id.equals("UTC") ? "UTC" : id + " (" + offsets + ")";
    }

    private static String utcOffset(ZoneOffset o) {
        return "UTC" + (o.getTotalSeconds() == 0 ? "" : o.getId());
    }

    /**
     * A time bound: an ISO-8601 instant ({@code 2026-11-23T16:00:00Z}, or with an offset), a local date-time
     * without offset ({@code 2026-11-23T16:00}: in this zone), a date ({@code 2026-11-23}: the start of that
     * day in this zone, or for {@code --until} the end of it), or epoch seconds.
     *
     * @param until whether this is the exclusive upper bound (a date then means the day after it starts)
     */
    Instant parseTime(String text, boolean until) {
        String t = text.trim();
        try {
            if (t.matches("-?\\d{1,12}")) {
                return Instant.ofEpochSecond(Long.parseLong(t));
            }
            if (t.matches("\\d{4}-\\d{2}-\\d{2}")) {
                LocalDate d = LocalDate.parse(t);
                return (until ? d.plusDays(1) : d).atStartOfDay(zone).toInstant();
            }
            String upper = t.toUpperCase(Locale.ROOT);
            try {
                return OffsetDateTime.parse(upper).toInstant(); // ...Z or ...+08:00, with or without seconds
            } catch (DateTimeParseException notOffset) {
                return LocalDateTime.parse(upper).atZone(zone).toInstant();
            }
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException("not a time (ISO-8601 instant or date, or epoch seconds): " + text);
        }
    }
}
