package org.stirshield.audit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Streams audit records out of files, one line at a time (plain or gzip, told apart by the gzip magic bytes,
 * so rolled {@code .gz} files read as they are). Lines that are not audit records are counted and skipped;
 * a line longer than {@link #MAX_LINE} chars is skipped without being held in memory.
 */
final class AuditFiles {
    static final int MAX_LINE = 256 * 1024;

    /** What reading found besides the records. */
    static final class Counts {
        long lines;
        long records;
        long malformed;
        long outsideRange;
        /** Files that could not be read to the end (missing, unreadable, truncated gzip): file and why. */
        final List<String> fileErrors = new java.util.ArrayList<>();
    }

    private AuditFiles() {
    }

    /**
     * Calls {@code sink} with each record whose time lies in {@code [since, until)} (either may be null), in
     * file order. {@code -} reads standard input.
     */
    static Counts read(List<Path> files, Instant since, Instant until, Consumer<AuditEntry> sink) {
        Counts c = new Counts();
        for (Path f : files) {
            try (InputStream raw = "-".equals(f.toString()) ? nonClosing(System.in) : Files.newInputStream(f);
                    Reader r = reader(raw)) {
                readLines(r, c, since, until, sink);
            } catch (IOException e) {
                // keep what was read; say which file stopped early and why
                c.fileErrors.add(f + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file"
                        : e instanceof java.io.EOFException ? "truncated (" + e.getMessage() + ")" : e.toString()));
            }
        }
        return c;
    }

    private static Reader reader(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 64 * 1024);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        InputStream data = b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 64 * 1024) : in;
        // bad bytes become U+FFFD: a damaged record then fails as JSON and is counted, never a crash
        return new InputStreamReader(data, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE));
    }

    private static void readLines(Reader r, Counts c, Instant since, Instant until, Consumer<AuditEntry> sink)
            throws IOException {
        char[] buf = new char[64 * 1024];
        StringBuilder line = new StringBuilder(1024);
        boolean tooLong = false;
        for (int n; (n = r.read(buf)) > 0; ) {
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (buf[i] == '\n') {
                    if (!tooLong) {
                        line.append(buf, start, i - start);
                    }
                    finish(line, tooLong, c, since, until, sink);
                    line.setLength(0);
                    tooLong = false;
                    start = i + 1;
                }
            }
            if (!tooLong) {
                line.append(buf, start, n - start);
                if (line.length() > MAX_LINE) {
                    tooLong = true;
                    line.setLength(0);
                }
            }
        }
        if (tooLong || !line.isEmpty()) {
            finish(line, tooLong, c, since, until, sink); // a last line without a newline (e.g. cut by a crash)
        }
    }

    private static void finish(StringBuilder line, boolean tooLong, Counts c, Instant since, Instant until,
            Consumer<AuditEntry> sink) {
        if (!tooLong && line.toString().isBlank()) {
            return;
        }
        c.lines++;
        AuditEntry e = tooLong ? null : AuditEntry.parse(line.toString());
        if (e == null) {
            c.malformed++;
            return;
        }
        if ((since != null && e.ts().isBefore(since)) || (until != null && !e.ts().isBefore(until))) {
            c.outsideRange++;
            return;
        }
        c.records++;
        sink.accept(e);
    }

    private static InputStream nonClosing(InputStream in) {
        return new java.io.FilterInputStream(in) {
            @Override
            public void close() {
            }
        };
    }
}
