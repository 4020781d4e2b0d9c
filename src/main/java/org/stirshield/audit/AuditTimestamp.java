package org.stirshield.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The audit record's {@code ts}: {@code uuuu-MM-dd'T'HH:mm:ss.SSS'Z'} in UTC, the instant truncated to the
 * millisecond. The date part is kept for the day it was last written (records come in time order), the time
 * of day computed, so a record's time costs no formatter; years outside 0000–9999 go through the
 * {@link DateTimeFormatter} of the same pattern, which writes them as it always did.
 */
final class AuditTimestamp {
    static final DateTimeFormatter PATTERN =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final int SECONDS_PER_DAY = 86_400;

    /** {@code uuuu-MM-ddT} of one UTC day. */
    private record Day(long epochDay, byte[] prefix) {
    }

    private static volatile Day last = new Day(Long.MIN_VALUE, null);

    private AuditTimestamp() {
    }

    /** Writes {@code at} as the record's {@code ts} string value. */
    static void write(JsonLines out, Instant at) {
        long seconds = at.getEpochSecond();
        long epochDay = Math.floorDiv(seconds, SECONDS_PER_DAY);
        Day day = last;
        if (day.epochDay() != epochDay) {
            LocalDate date = LocalDate.ofEpochDay(epochDay);
            if (date.getYear() < 0 || date.getYear() > 9999) {
                out.string(PATTERN.format(at.truncatedTo(ChronoUnit.MILLIS)));
                return;
            }
            day = new Day(epochDay, String.format("%04d-%02d-%02dT", date.getYear(), date.getMonthValue(),
                    date.getDayOfMonth()).getBytes(StandardCharsets.US_ASCII));
            last = day;
        }
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
        int millis = at.getNano() / 1_000_000;
        byte[] text = new byte[24];
        System.arraycopy(day.prefix(), 0, text, 0, 11);
        two(text, 11, secondOfDay / 3600);
        text[13] = ':';
        two(text, 14, secondOfDay / 60 % 60);
        text[16] = ':';
        two(text, 17, secondOfDay % 60);
        text[19] = '.';
        text[20] = (byte) ('0' + millis / 100);
        two(text, 21, millis % 100);
        text[23] = 'Z';
        out.asciiString(text, 0, 24);
    }

    private static void two(byte[] b, int at, int v) {
        b[at] = (byte) ('0' + v / 10);
        b[at + 1] = (byte) ('0' + v % 10);
    }
}
