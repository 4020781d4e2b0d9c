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
            "Summarise StirShield audit files for fraud analysts: totals by status and action, the protected "
                    + "numbers most often spoofed, failures by trunk / signer SPC / x5u host / origid, replayed "
                    + "PASSporTs, calls per hour.",
            "FILE may be a rolled file, gzip-compressed or not; '-' reads standard input. Malformed lines are "
                    + "counted and skipped."
        },
        footer = {"", "TIME: an ISO-8601 instant (2026-11-23T16:00:00Z), a date (2026-11-23, UTC), or epoch seconds.",
            "--until is exclusive; a date as --until includes that whole day.",
            "Exit status: 0 report written, 1 some file could not be read (the report covers the rest), 2 usage error."})
final class ReportCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--since", paramLabel = "TIME", description = "only records at or after TIME")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "only records before TIME")
    String until;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (aligned tables, default), html (one self-contained page with charts), "
                    + "csv (the failed calls, for a traceback request)")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "write to OUT instead of standard output")
    Path output;

    @Option(names = "--top", paramLabel = "N", defaultValue = "20", description = "rows in each top list (default 20)")
    int top;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "audit files (.jsonl, rolled, .gz)")
    List<Path> files;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        AuditReport.Format fmt;
        Instant from;
        Instant to;
        try {
            fmt = AuditReport.Format.valueOf(format.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--format: expected text, html or csv, not '" + format + "'");
        }
        try {
            from = since == null ? null : AuditReport.parseTime(since, false);
            to = until == null ? null : AuditReport.parseTime(until, true);
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
            if (!"-".equals(f.toString()) && !Files.isReadable(f)) {
                err.println("stirshield report: cannot read " + f);
                return 2;
            }
        }
        AuditReport.Summary sum;
        if (output == null) {
            Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 64 * 1024);
            sum = AuditReport.write(files, from, to, fmt, top, out);
            out.flush();
        } else {
            try (Writer out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                sum = AuditReport.write(files, from, to, fmt, top, out);
            }
        }
        if (sum.malformed() > 0) {
            err.println("stirshield report: skipped " + sum.malformed() + " malformed line(s)");
        }
        for (String e : sum.fileErrors()) {
            err.println("stirshield report: " + e);
        }
        return sum.fileErrors().isEmpty() ? 0 : 1;
    }
}
