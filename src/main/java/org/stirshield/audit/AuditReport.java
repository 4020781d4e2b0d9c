package org.stirshield.audit;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;

/**
 * The analyst report over audit files ({@code ./stirshield report}): who was spoofed, who was called, how
 * each agency's spoofing and each trunk's share of it develop over time, which signers signed the attempts,
 * the individual calls behind each spoofed number, replayed PASSporTs and calls over time, as aligned text
 * tables, one self-contained HTML page with charts, a CSV of the failed calls, or the traceback list (CSV or
 * JSON) to send to a carrier. Files are streamed: memory holds only the bounded aggregates (the CSV and
 * traceback formats hold nothing).
 */
public final class AuditReport {
    /** Output formats. */
    public enum Format {
        TEXT, HTML, CSV, TRACEBACK, TRACEBACK_JSON;

        /** {@code text}, {@code html}, {@code csv}, {@code traceback}, {@code traceback-json} (any case). */
        public static Format parse(String name) {
            String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (Format f : values()) {
                if (f.name().equals(n)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("--format: expected text, html, csv, traceback or traceback-json, not '"
                    + name + "'");
        }
    }

    /** Told how far reading has got: every few thousand records and at the end of each file. */
    public interface Progress {
        Progress NONE = (file, bytesRead, size, records) -> { };

        /**
         * @param file the file being read
         * @param bytesRead bytes of it read so far (compressed bytes for gzip)
         * @param size its size, or -1 when unknown (standard input)
         * @param records audit records read so far from all files
         */
        void update(Path file, long bytesRead, long size, long records);
    }

    /**
     * What the report covers and how it shows it.
     *
     * @param since keep records at or after this (null: from the start)
     * @param until keep records before this (null: to the end)
     * @param zone the time zone times are shown and grouped in
     * @param top rows of each "top" list
     * @param progress told how far reading has got
     */
    public record Options(Instant since, Instant until, ZoneId zone, int top, Progress progress) {
        public Options {
            zone = zone == null ? ZoneOffset.UTC : zone;
            progress = progress == null ? Progress.NONE : progress;
        }

        /** UTC, no progress. */
        public static Options of(Instant since, Instant until, int top) {
            return new Options(since, until, ZoneOffset.UTC, top, Progress.NONE);
        }
    }

    /**
     * What was read: for the command's exit status and notes on stderr.
     *
     * @param notAuditLogs files that are not empty but hold no audit record at all ({@code FILE: why})
     */
    public record Summary(long lines, long records, long malformed, long outsideRange, List<String> fileErrors,
            List<String> notAuditLogs) {
    }

    private AuditReport() {
    }

    /** {@link #write(List, Options, Format, Writer)} in UTC without progress. */
    public static Summary write(List<Path> files, Instant since, Instant until, Format format, int top, Writer out)
            throws IOException {
        return write(files, Options.of(since, until, top), format, out);
    }

    /**
     * Reads {@code files} (plain or gzip; {@code -} is stdin), keeps records with {@code since <= ts < until}
     * and writes the report in {@code format} to {@code out}.
     */
    public static Summary write(List<Path> files, Options o, Format format, Writer out) throws IOException {
        ReportZone zone = new ReportZone(o.zone());
        AuditFiles.Counts c;
        switch (format) {
            case CSV -> {
                CsvReport csv = new CsvReport(out, zone);
                csv.header();
                c = AuditFiles.read(files, o.since(), o.until(), false, e -> {
                    if (e.failed()) {
                        csv.row(e);
                    }
                }, o.progress());
                csv.finish();
            }
            case TRACEBACK, TRACEBACK_JSON -> {
                TracebackReport t = new TracebackReport(out, zone, format == Format.TRACEBACK_JSON);
                t.header(o.since(), o.until());
                c = AuditFiles.read(files, o.since(), o.until(), true, t::accept, o.progress());
                t.finish();
            }
            default -> {
                ReportStats stats = new ReportStats(zone);
                c = AuditFiles.read(files, o.since(), o.until(), false, stats::add, o.progress());
                ReportHeader h = new ReportHeader(files, o.since(), o.until(), c);
                if (format == Format.HTML) {
                    new HtmlReport(stats, h, o.top()).write(out);
                } else {
                    new TextReport(stats, h, o.top()).write(out);
                }
                out.flush();
            }
        }
        return new Summary(c.lines, c.records, c.malformed, c.outsideRange, List.copyOf(c.fileErrors),
                c.notAuditLogs());
    }

    /** What the report covers, for its heading. */
    record ReportHeader(List<Path> files, Instant since, Instant until, AuditFiles.Counts counts) {
    }

    /** {@link #parseTime(String, boolean, ZoneId)} in UTC. */
    public static Instant parseTime(String text, boolean until) {
        return parseTime(text, until, ZoneOffset.UTC);
    }

    /**
     * A time bound: an ISO-8601 instant ({@code 2026-11-23T16:00:00Z}, or with an offset), a date-time without
     * offset ({@code 2026-11-23T16:00}, in {@code zone}), a date ({@code 2026-11-23}: the start of that day in
     * {@code zone}, or for {@code --until} the end of it), or epoch seconds.
     *
     * @param until whether this is the exclusive upper bound (a date then means the day after it starts)
     */
    public static Instant parseTime(String text, boolean until, ZoneId zone) {
        return new ReportZone(zone).parseTime(text, until);
    }

    /** A zone id for {@code --tz}, with a message naming the mistake. */
    public static ZoneId parseZone(String text) {
        return ReportZone.parse(text);
    }
}
