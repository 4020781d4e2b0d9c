package org.stirshield.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit file on disk: whole JSON lines appended in batches, rolled by size and by UTC day, with exact
 * knowledge of what reached the file.
 *
 * <p><b>Whole lines only.</b> A batch is one buffer written at the end of the file. When a write fails part-way
 * (disk full, I/O error), the file is cut back to the end of the last line that was written whole, so the file
 * never holds a partial line and the next write starts on a fresh line; {@link #append} says how many lines
 * landed. A partial last line left by a crash of an earlier process is cut off when the file is opened (logged).
 *
 * <p><b>Rolling.</b> {@code dir/audit.jsonl} rolls to {@code dir/audit.2026-11-23.0.jsonl} (the UTC day of its
 * records, then an index) when a line would take it past {@code maxFileSize}, and when the UTC day changes.
 * Rolled files are gzipped ({@code .jsonl.gz}, written to a temporary name and renamed) on a background thread
 * when {@code compress}; rolled files more than {@code maxHistory} days old (0: keep all) and the oldest beyond
 * {@code totalSizeCap} bytes (0: no cap) are deleted.
 *
 * <p>Used by the one writer thread of {@link AuditLog}; not thread-safe.
 */
final class AuditFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditFile.class);

    private final Path file;
    private final Path dir;
    private final Pattern rolledName;
    private final AuditSettings settings;
    private final LongSupplier clockMillis;
    private final ExecutorService compressor;
    private FileChannel channel;
    private long size;
    private LocalDate day;
    /** Where a failed cut should have left the file: cut again before the next write (-1: none pending). */
    private long cutPending = -1;

    AuditFile(AuditSettings settings, LongSupplier clockMillis) throws IOException {
        this.settings = settings;
        this.clockMillis = clockMillis;
        this.file = settings.file().toAbsolutePath();
        this.dir = file.getParent();
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        this.rolledName = Pattern.compile(Pattern.quote(base) + "\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d+)" + Pattern.quote(ext)
                + "(\\.gz)?");
        try {
            Files.createDirectories(dir);
            open();
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot open audit file " + file + ": " + e.getMessage(), e);
        }
        if (size > 0) {
            day = utcDay(Files.getLastModifiedTime(file).toMillis());
        }
        compressor = settings.compress() ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "stirshield-audit-compress");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    private void open() throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        size = channel.size();
        long whole = endOfLastLine(channel, size);
        if (whole < size) {
            LOG.warn("audit file {}: cut {} bytes of an incomplete last line (an earlier writer stopped mid-line)",
                    file, size - whole);
            channel.truncate(whole);
            size = whole;
        }
        channel.position(size);
    }

    /** The offset just past the last '\n' in the file (0 if none). */
    private static long endOfLastLine(FileChannel ch, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8192);
        long pos = size;
        while (pos > 0) {
            int n = (int) Math.min(b.capacity(), pos);
            b.clear().limit(n);
            ch.read(b, pos - n);
            for (int i = n - 1; i >= 0; i--) {
                if (b.get(i) == '\n') {
                    return pos - n + i + 1;
                }
            }
            pos -= n;
        }
        return 0;
    }

    Path path() {
        return file;
    }

    /**
     * Appends the lines of the batch (each ending in '\n'), all of them or, when a write fails, the first {@link
     * WriteFailure#landed()} of them: the file then still ends with a whole line.
     */
    void append(JsonLines lines) throws WriteFailure {
        int done = 0;
        try {
            if (!channel.isOpen()) {
                open(); // a roll could not reopen the file
            }
            if (cutPending >= 0) {
                cutTo(cutPending);
            }
            LocalDate today = utcDay(clockMillis.getAsLong());
            if (day != null && !today.equals(day) && size > 0) {
                roll(day);
            }
            day = today;
            while (done < lines.lineCount()) {
                int n = fitting(lines, done);
                if (n == 0) { // the next line does not fit the current file
                    roll(day);
                    continue;
                }
                done += writeWhole(lines, done, n);
            }
        } catch (WriteFailure f) {
            throw new WriteFailure(done + f.landed(), f.reason());
        } catch (IOException e) {
            throw new WriteFailure(done, e);
        }
    }

    /** How many lines from {@code from} on fit the current file (at least one when the file is empty). */
    private int fitting(JsonLines lines, int from) {
        long start = lines.start(from);
        int n = 0;
        while (from + n < lines.lineCount()) {
            long grown = lines.end(from + n) - start;
            if (size + grown > settings.maxFileSize() && (size > 0 || n > 0)) {
                break; // this line goes into the next file
            }
            n++;
        }
        return n;
    }

    /** Writes lines {@code [from, from + n)}; on failure cuts the file back to the last whole line. */
    private int writeWhole(JsonLines lines, int from, int n) throws WriteFailure {
        long start = size;
        int first = lines.start(from);
        ByteBuffer buffer = ByteBuffer.wrap(lines.bytes(), first, lines.end(from + n - 1) - first);
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            size = start + (buffer.position() - first);
            return n;
        } catch (IOException e) {
            int landed = buffer.position();
            int whole = 0;
            while (whole < n && lines.end(from + whole) <= landed) {
                whole++;
            }
            long keep = start + (whole == 0 ? 0 : lines.end(from + whole - 1) - first);
            size = keep;
            try {
                cutTo(keep);
            } catch (IOException cut) {
                cutPending = keep; // try again before the next write
            }
            throw new WriteFailure(whole, e);
        }
    }

    private void cutTo(long keep) throws IOException {
        channel.truncate(keep);
        channel.position(keep);
        size = keep;
        cutPending = -1;
    }

    /** An append that stopped after {@code landed} whole lines because of {@code reason}. */
    static final class WriteFailure extends Exception {
        private final int landed;
        private final IOException reason;

        WriteFailure(int landed, IOException reason) {
            super(reason.toString(), reason, false, false);
            this.landed = landed;
            this.reason = reason;
        }

        int landed() {
            return landed;
        }

        IOException reason() {
            return reason;
        }
    }

    private void roll(LocalDate of) throws IOException {
        channel.close();
        Path target = dir.resolve(rolledName(file.getFileName().toString(), of, nextIndex(of), false));
        try {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            open();
        }
        if (compressor != null) {
            compressor.execute(() -> gzip(target));
        } else {
            prune();
        }
    }

    /** {@code audit.jsonl} rolls to {@code audit.2026-11-23.0.jsonl} (the UTC day, an index), {@code .gz} if compressed. */
    static String rolledName(String activeName, LocalDate day, int index, boolean compressed) {
        int dot = activeName.lastIndexOf('.');
        String b = dot > 0 ? activeName.substring(0, dot) : activeName;
        String e = dot > 0 ? activeName.substring(dot) : "";
        return b + "." + day + "." + index + e + (compressed ? ".gz" : "");
    }

    private int nextIndex(LocalDate of) throws IOException {
        int next = 0;
        String d = of.toString();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Matcher m = rolledName.matcher(p.getFileName().toString());
                if (m.matches() && m.group(1).equals(d)) {
                    next = Math.max(next, Integer.parseInt(m.group(2)) + 1);
                }
            }
        }
        return next;
    }

    private void gzip(Path rolled) {
        Path gz = rolled.resolveSibling(rolled.getFileName() + ".gz");
        Path tmp = rolled.resolveSibling(rolled.getFileName() + ".gz.tmp");
        try {
            try (InputStream in = Files.newInputStream(rolled);
                    OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp), 64 * 1024)) {
                in.transferTo(out);
            }
            Files.move(tmp, gz, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(rolled);
        } catch (IOException e) {
            LOG.error("audit file {}: cannot compress ({}); kept uncompressed", rolled, e.toString());
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
        prune();
    }

    /** Deletes rolled files older than max_history days and the oldest beyond total_size_cap. */
    private void prune() {
        if (settings.maxHistory() == 0 && settings.totalSizeCap() == 0) {
            return;
        }
        record Rolled(Path path, LocalDate day, int index, long size) {
        }
        List<Rolled> rolled = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Matcher m = rolledName.matcher(p.getFileName().toString());
                if (m.matches()) {
                    rolled.add(new Rolled(p, LocalDate.parse(m.group(1)), Integer.parseInt(m.group(2)), Files.size(p)));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("audit directory {}: cannot list rolled files to prune: {}", dir, e.toString());
            return;
        }
        rolled.sort(Comparator.comparing(Rolled::day).thenComparingInt(Rolled::index));
        LocalDate oldestKept = utcDay(clockMillis.getAsLong()).minusDays(settings.maxHistory());
        long total = rolled.stream().mapToLong(Rolled::size).sum();
        for (Rolled r : rolled) {
            boolean tooOld = settings.maxHistory() > 0 && r.day().isBefore(oldestKept);
            boolean overCap = settings.totalSizeCap() > 0 && total > settings.totalSizeCap();
            if (!tooOld && !overCap) {
                continue;
            }
            try {
                Files.deleteIfExists(r.path());
                total -= r.size();
            } catch (IOException e) {
                LOG.warn("audit file {}: cannot delete ({})", r.path(), e.toString());
            }
        }
    }

    private static LocalDate utcDay(long epochMillis) {
        return LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis), ZoneOffset.UTC);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("audit file {}: close failed: {}", file, e.toString());
        }
        if (compressor != null) {
            compressor.shutdown();
            try {
                if (!compressor.awaitTermination(60, TimeUnit.SECONDS)) {
                    LOG.warn("audit files still compressing after 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
