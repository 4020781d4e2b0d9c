package org.stirshield.audit;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * The analyst report over audit files ({@code ./stirshield report}): totals, the protected numbers most often
 * spoofed, failures by trunk / signer SPC / x5u host / origid, replayed PASSporTs and calls per hour, as
 * aligned text tables, one self-contained HTML page with charts, or a CSV of the failed calls for traceback.
 * Files are streamed: memory holds only the aggregates (CSV holds nothing).
 */
public final class AuditReport {
    /** Output formats. */
    public enum Format { TEXT, HTML, CSV }

    /** What was read: for the command's exit status and a note on stderr. */
    public record Summary(long lines, long records, long malformed, long outsideRange, List<String> fileErrors) {
    }

    private AuditReport() {
    }

    /**
     * Reads {@code files} (plain or gzip; {@code -} is stdin), keeps records with {@code since <= ts < until}
     * (either bound may be null) and writes the report in {@code format} to {@code out}.
     *
     * @param top how many rows the "top" tables show
     */
    public static Summary write(List<Path> files, Instant since, Instant until, Format format, int top, Writer out)
            throws IOException {
        if (format == Format.CSV) {
            CsvReport csv = new CsvReport(out);
            csv.header();
            AuditFiles.Counts c = AuditFiles.read(files, since, until, e -> {
                if (e.failed()) {
                    csv.row(e);
                }
            });
            csv.finish();
            return summary(c);
        }
        ReportStats stats = new ReportStats();
        AuditFiles.Counts c = AuditFiles.read(files, since, until, stats::add);
        ReportHeader h = new ReportHeader(files, since, until, c);
        if (format == Format.HTML) {
            new HtmlReport(stats, h, top).write(out);
        } else {
            new TextReport(stats, h, top).write(out);
        }
        out.flush();
        return summary(c);
    }

    private static Summary summary(AuditFiles.Counts c) {
        return new Summary(c.lines, c.records, c.malformed, c.outsideRange, List.copyOf(c.fileErrors));
    }

    /** What the report covers, for its heading. */
    record ReportHeader(List<Path> files, Instant since, Instant until, AuditFiles.Counts counts) {
    }

    /**
     * A time bound: an ISO-8601 instant ({@code 2026-11-23T16:00:00Z}, with an offset, or without one meaning
     * UTC), a date ({@code 2026-11-23}: the start of that UTC day, or for {@code --until} the end of it), or
     * epoch seconds.
     *
     * @param until whether this is the exclusive upper bound (a date then means the day after it starts)
     */
    public static Instant parseTime(String text, boolean until) {
        String t = text.trim();
        try {
            if (t.matches("-?\\d{1,12}")) {
                return Instant.ofEpochSecond(Long.parseLong(t));
            }
            if (t.matches("\\d{4}-\\d{2}-\\d{2}")) {
                LocalDate d = LocalDate.parse(t);
                return (until ? d.plusDays(1) : d).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            String upper = t.toUpperCase(Locale.ROOT);
            if (upper.endsWith("Z")) {
                return Instant.parse(upper);
            }
            try {
                return OffsetDateTime.parse(t).toInstant();
            } catch (DateTimeParseException notOffset) {
                return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
            }
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException("not a time (ISO-8601 instant or date, or epoch seconds): " + text);
        }
    }
}
