package org.stirshield.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.stirshield.audit.AuditReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./stirshield report}: the analyst report over audit files. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "Summarise StirShield audit files for fraud analysts: the protected numbers spoofed and the calls behind "
                    + "each, the numbers called, spoofing per agency and per inbound trunk over time, the signers "
                    + "(SPC, certificate, x5u host) of the attempts, protected and unprotected traffic, replayed "
                    + "PASSporTs, calls over time. Or list the spoofing attempts for a traceback request.",
            "FILE may be a rolled file, gzip-compressed or not; '-' reads standard input. Malformed lines are "
                    + "counted and skipped. Progress goes to standard error when reading takes a while."
        },
        footer = {"", "TIME: an ISO-8601 instant (2026-11-23T16:00:00Z, or with an offset), a date-time or a date "
                + "without offset (2026-11-23T16:00, 2026-11-23: in the --tz zone), or epoch seconds.",
            "--until is exclusive; a date as --until includes that whole day.",
            "Exit status: 0 report written; 1 a FILE could not be read to the end, or a non-empty FILE holds no "
                    + "audit record at all (the report covers the rest); 2 usage error, or a FILE that does not "
                    + "exist or cannot be opened (nothing is written; the message says which and why)."})
final class ReportCommand implements Callable<Integer> {
    /** Progress is shown once reading has taken this long, then at this interval. */
    static final long PROGRESS_AFTER_NANOS = 5_000_000_000L;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--since", paramLabel = "TIME", description = "only records at or after TIME")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "only records before TIME")
    String until;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (aligned tables, default), html (one self-contained page with charts), "
                    + "csv (the failed calls), traceback (CSV: one row per failed or rejected call claiming a "
                    + "protected number, with the evidence a traceback request needs), traceback-json (the same "
                    + "as JSON)")
    String format;

    @Option(names = "--tz", paramLabel = "ZONE",
            description = "time zone to show and group times in, e.g. Asia/Shanghai, UTC, +08:00 (default: this "
                    + "machine's zone)")
    String tz;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "write to OUT instead of standard output")
    Path output;

    @Option(names = "--top", paramLabel = "N", defaultValue = "20", description = "rows in each top list (default 20)")
    int top;

    @Option(names = {"-q", "--quiet"}, description = "no progress on standard error")
    boolean quiet;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "audit files (.jsonl, rolled, .gz)")
    List<Path> files;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        AuditReport.Format fmt;
        ZoneId zone;
        Instant from;
        Instant to;
        try {
            fmt = AuditReport.Format.parse(format);
            zone = tz == null ? ZoneId.systemDefault() : AuditReport.parseZone(tz);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            from = since == null ? null : AuditReport.parseTime(since, false, zone);
            to = until == null ? null : AuditReport.parseTime(until, true, zone);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--since must be before --until");
        }
        if (top < 1 || top > 10_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--top: 1..10000");
        }
        for (Path f : files) {
            if (Files.isDirectory(f)) {
                err.println("stirshield report: " + f.toAbsolutePath() + " is a directory; name the audit files in it");
                return 2;
            }
            if (!"-".equals(f.toString())) {
                try {
                    Main.readableFile(null, f);
                } catch (Main.FileError e) {
                    err.println("stirshield report: " + e.getMessage());
                    return 2;
                }
            }
        }
        AuditReport.Options options = new AuditReport.Options(from, to, zone, top,
                quiet ? AuditReport.Progress.NONE : new StderrProgress(err, PROGRESS_AFTER_NANOS));
        AuditReport.Summary sum;
        if (output == null) {
            Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 64 * 1024);
            sum = AuditReport.write(files, options, fmt, out);
            out.flush();
        } else {
            try (Writer out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                sum = AuditReport.write(files, options, fmt, out);
            }
        }
        if (sum.malformed() > 0) {
            err.println("stirshield report: skipped " + sum.malformed() + " malformed line(s)");
        }
        for (String e : sum.fileErrors()) {
            err.println("stirshield report: " + e);
        }
        for (String e : sum.notAuditLogs()) {
            err.println("stirshield report: " + e);
        }
        return sum.fileErrors().isEmpty() && sum.notAuditLogs().isEmpty() ? 0 : 1;
    }

    /** Progress lines on stderr once reading has taken {@link #PROGRESS_AFTER_NANOS}, then as often. */
    static final class StderrProgress implements AuditReport.Progress {
        private final PrintWriter err;
        private final long interval;
        private final long start = System.nanoTime();
        private long next;

        StderrProgress(PrintWriter err, long intervalNanos) {
            this.err = err;
            this.interval = intervalNanos;
            this.next = start + intervalNanos;
        }

        @Override
        public void update(Path file, long bytesRead, long size, long records) {
            long now = System.nanoTime();
            if (now < next) {
                return;
            }
            next = now + interval;
            double seconds = (now - start) / 1e9;
            String where = size > 0
                    ? String.format(Locale.ROOT, "%d%% of %s", Math.min(100, 100 * bytesRead / size), mib(size))
                    : mib(bytesRead) + " read";
            err.printf(Locale.ROOT, "stirshield report: %s: %s, %,d records so far (%,.0f/s)%n", file.getFileName(),
                    where, records, records / Math.max(seconds, 0.001));
            err.flush();
        }

        private static String mib(long bytes) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
    }
}
