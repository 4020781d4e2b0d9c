package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** How {@code report} shows progress on stderr for large inputs. */
class ReportCommandTest {
    @Test
    void progressLinesSayFileShareRecordsAndRate() {
        StringWriter err = new StringWriter();
        ReportCommand.StderrProgress p = new ReportCommand.StderrProgress(new PrintWriter(err), 0);
        p.update(Path.of("/var/log/stirshield/audit.2026-11-23.0.jsonl.gz"), 512L * 1024 * 1024, 2048L * 1024 * 1024,
                21_500_000);
        p.update(Path.of("-"), 3L * 1024 * 1024, -1, 22_000_000);
        String[] lines = err.toString().split("\n");
        assertEquals(2, lines.length, err.toString());
        assertTrue(lines[0].matches("stirshield report: audit\\.2026-11-23\\.0\\.jsonl\\.gz: 25% of 2048\\.0 MiB, "
                + "21,500,000 records so far \\([\\d,]+/s\\)"), lines[0]);
        assertTrue(lines[1].startsWith("stirshield report: -: 3.0 MiB read, 22,000,000 records so far"), lines[1]);
    }

    @Test
    void quietUntilReadingHasTakenAWhile() {
        StringWriter err = new StringWriter();
        ReportCommand.StderrProgress p = new ReportCommand.StderrProgress(new PrintWriter(err),
                ReportCommand.PROGRESS_AFTER_NANOS);
        p.update(Path.of("a.jsonl"), 10, 100, 16_384);
        assertEquals("", err.toString(), "a report that takes seconds prints no progress");
    }
}
