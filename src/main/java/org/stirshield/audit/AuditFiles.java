package org.stirshield.audit;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Streams audit records out of files, one line at a time (plain or gzip, told apart by the gzip magic bytes,
 * so rolled {@code .gz} files read as they are). Lines that are not audit records are counted and skipped;
 * a line longer than {@link #MAX_LINE} chars is skipped without being held in memory. What each file held is
 * counted on its own ({@link FileCounts}), so that a file that is not an audit log at all (a jar, a config
 * file) is named instead of silently giving an empty report.
 */
final class AuditFiles {
    static final int MAX_LINE = 256 * 1024;
    /** How often (records) the progress listener is offered an update; it decides itself whether to show it. */
    private static final int PROGRESS_EVERY = 16_384;

    /** What one file held. */
    static final class FileCounts {
        final Path file;
        /** Bytes of the file (compressed size for gzip), or -1 for standard input. */
        final long size;
        long lines;
        long records;
        long outsideRange;
        long malformed;
        /** The first line that is not a record, and why, or 0/null. */
        long firstBadLine;
        String firstBadWhy;
        /** The file is a zip archive (a jar): not an audit log whatever its lines say. */
        boolean archive;

        FileCounts(Path file, long size) {
            this.file = file;
            this.size = size;
        }

        /**
         * Why this file yields no audit record although it is not empty, or null when it is an audit log (or
         * empty): the report says so and the command exits 1.
         */
        String notAnAuditLog() {
            if (archive) {
                return "a zip or jar archive, not an audit log";
            }
            if (records + outsideRange > 0 || lines == 0) {
                return null;
            }
            return "not an audit log: none of its " + ReportText.num(lines) + " line(s) is an audit record (line "
                    + firstBadLine + ": " + firstBadWhy + ")";
        }
    }

    /** What reading found besides the records. */
    static final class Counts {
        long lines;
        long records;
        long malformed;
        long outsideRange;
        /** Files that could not be read to the end (missing, unreadable, truncated gzip): file and why. */
        final List<String> fileErrors = new ArrayList<>();
        final List<FileCounts> files = new ArrayList<>();

        /** Files that are not empty but hold no audit record: {@code FILE: why}. */
        List<String> notAuditLogs() {
            List<String> out = new ArrayList<>();
            for (FileCounts f : files) {
                String why = f.notAnAuditLog();
                if (why != null) {
                    out.add(f.file + ": " + why);
                }
            }
            return out;
        }
    }

    private AuditFiles() {
    }

    static Counts read(List<Path> files, Instant since, Instant until, Consumer<AuditEntry> sink) {
        return read(files, since, until, false, sink, AuditReport.Progress.NONE);
    }

    /**
     * Calls {@code sink} with each record whose time lies in {@code [since, until)} (either may be null), in
     * file order. {@code -} reads standard input.
     *
     * @param lists whether the records' header lists (P-Asserted-Identity, Identity, ...) are needed
     */
    static Counts read(List<Path> files, Instant since, Instant until, boolean lists, Consumer<AuditEntry> sink,
            AuditReport.Progress progress) {
        Counts c = new Counts();
        for (Path f : files) {
            boolean stdin = "-".equals(f.toString());
            long size = -1;
            try {
                size = stdin ? -1 : Files.size(f);
            } catch (IOException e) {
                // reported when opening fails below
            }
            FileCounts fc = new FileCounts(f, size);
            c.files.add(fc);
            try (CountingStream raw = new CountingStream(stdin ? nonClosing(System.in) : Files.newInputStream(f));
                    Reader r = reader(raw, fc)) {
                new LineReader(c, fc, since, until, lists, sink, progress, raw).read(r);
            } catch (IOException e) {
                // keep what was read; say which file stopped early and why
                c.fileErrors.add(f + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file"
                        : e instanceof java.io.EOFException ? "truncated (" + e.getMessage() + ")" : e.toString()));
            }
            progress.update(f, size, size, c.records);
        }
        return c;
    }

    private static Reader reader(InputStream raw, FileCounts fc) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 64 * 1024);
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        fc.archive = magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        boolean gzip = magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b;
        InputStream data = gzip ? new GZIPInputStream(in, 64 * 1024) : in;
        // bad bytes become U+FFFD: a damaged record then fails as JSON and is counted, never a crash
        return new InputStreamReader(data, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE));
    }

    /** Splits one file into lines and each line into a record. */
    private static final class LineReader {
        private final Counts c;
        private final FileCounts fc;
        private final Instant since;
        private final Instant until;
        private final boolean lists;
        private final Consumer<AuditEntry> sink;
        private final AuditReport.Progress progress;
        private final CountingStream raw;

        LineReader(Counts c, FileCounts fc, Instant since, Instant until, boolean lists, Consumer<AuditEntry> sink,
                AuditReport.Progress progress, CountingStream raw) {
            this.c = c;
            this.fc = fc;
            this.since = since;
            this.until = until;
            this.lists = lists;
            this.sink = sink;
            this.progress = progress;
            this.raw = raw;
        }

        void read(Reader r) throws IOException {
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
                        finish(line, tooLong);
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
                finish(line, tooLong); // a last line without a newline (e.g. cut by a crash)
            }
        }

        private void finish(StringBuilder line, boolean tooLong) {
            if (!tooLong && line.toString().isBlank()) {
                return;
            }
            c.lines++;
            fc.lines++;
            String text = tooLong ? null : line.toString();
            AuditEntry e = tooLong ? null : AuditEntry.parse(text, lists);
            if (e == null) {
                c.malformed++;
                fc.malformed++;
                if (fc.firstBadLine == 0) {
                    fc.firstBadLine = fc.lines;
                    fc.firstBadWhy = tooLong ? "longer than " + MAX_LINE / 1024 + " KiB" : AuditEntry.whyNot(text);
                }
                return;
            }
            if ((since != null && e.ts().isBefore(since)) || (until != null && !e.ts().isBefore(until))) {
                c.outsideRange++;
                fc.outsideRange++;
                return;
            }
            c.records++;
            fc.records++;
            sink.accept(e);
            if (c.records % PROGRESS_EVERY == 0) {
                progress.update(fc.file, raw.count, fc.size, c.records);
            }
        }
    }

    /** Counts the bytes read from the file (before decompression), for progress. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += s;
            return s;
        }
    }

    private static InputStream nonClosing(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public void close() {
            }
        };
    }
}
