package org.stirshield.audit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.TimeBasedFileNamingAndTriggeringPolicy;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.policy.Decision;

/**
 * The audit end of the call pipeline: one JSON line per decision ({@link AuditRecord}), written off the
 * call path by a single writer thread into a file rolled by size and by (UTC) day.
 *
 * <p>No record is lost silently. {@link #record} only enqueues; when the bounded queue is full the calling
 * thread waits up to {@link AuditSettings#maxWait()} (back-pressure) and only then counts the record as
 * dropped ({@link #dropped()}, metric {@code stirshield_audit_dropped_total}) and logs a warning.
 * {@link #close()} writes everything that was enqueued before it returns.
 *
 * <p>The file is written by logback's {@link RollingFileAppender} with a {@link SizeAndTimeBasedRollingPolicy},
 * set up in code in a private logger context (so the application's logging configuration can neither mute
 * nor redirect the audit trail) with the pattern {@code %msg%n}: the file holds nothing but JSON lines.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final Entry POISON = new Entry(null, null, null);
    private static final int BATCH = 1024;
    private static final long DROP_LOG_INTERVAL_NANOS = 1_000_000_000L;

    private record Entry(Decision decision, StageTimings timings, Instant at) {
    }

    private final AuditSettings settings;
    private final BlockingQueue<Entry> queue;
    private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private final java.util.concurrent.CountDownLatch closeDone = new java.util.concurrent.CountDownLatch(1);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final AtomicLong lastDropLog = new AtomicLong(System.nanoTime() - DROP_LOG_INTERVAL_NANOS);
    private final LoggerContext context;
    private final RollingFileAppender<ILoggingEvent> appender;
    private final ch.qos.logback.classic.Logger out;
    private final TimeBasedFileNamingAndTriggeringPolicy<ILoggingEvent> trigger;
    private final Thread writer;
    private final Thread shutdownHook;

    private AuditLog(AuditSettings settings, boolean startWriter) throws IOException {
        this.settings = settings;
        this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
        Path file = settings.file().toAbsolutePath();
        Path dir = file.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        String name = "stirshield-audit-" + INSTANCES.incrementAndGet();
        context = new LoggerContext();
        context.setName(name);
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        context.getStatusManager().add(this::onStatus);
        context.start();

        appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName("audit");
        appender.setFile(file.toString());
        appender.setAppend(true);
        appender.setImmediateFlush(false); // the writer flushes whenever the queue runs empty
        appender.setBufferSize(new FileSize(64 * 1024));

        SizeAndTimeBasedRollingPolicy<ILoggingEvent> rolling = new SizeAndTimeBasedRollingPolicy<>();
        rolling.setContext(context);
        rolling.setParent(appender);
        rolling.setFileNamePattern(rolledPattern(file, settings.compress()));
        rolling.setMaxFileSize(new FileSize(settings.maxFileSize()));
        rolling.setMaxHistory(settings.maxHistory());
        if (settings.totalSizeCap() > 0) {
            rolling.setTotalSizeCap(new FileSize(settings.totalSizeCap()));
        }
        rolling.start();
        // logback checks the size on every record (it counts the bytes it writes); the day by its clock
        trigger = rolling.getTimeBasedFileNamingAndTriggeringPolicy();

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.start();

        appender.setRollingPolicy(rolling);
        appender.setTriggeringPolicy(rolling);
        appender.setEncoder(encoder);
        appender.start();
        if (!rolling.isStarted() || !appender.isStarted()) {
            List<String> errors = new ArrayList<>();
            for (Status s : context.getStatusManager().getCopyOfStatusList()) {
                if (s.getLevel() >= Status.WARN) {
                    errors.add(s.getMessage() + (s.getThrowable() == null ? "" : ": " + s.getThrowable().getMessage()));
                }
            }
            context.stop();
            throw new IOException("cannot open audit file " + file + ": " + String.join("; ", errors));
        }
        out = context.getLogger("stirshield.audit");
        out.setAdditive(false);
        out.setLevel(Level.INFO);
        out.addAppender(appender);

        writer = new Thread(this::writeLoop, name + "-writer");
        writer.setDaemon(true);
        if (startWriter) {
            writer.start();
        }
        shutdownHook = new Thread(this::close, name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Opens (appends to) the audit file and starts the writer thread. */
    public static AuditLog open(AuditSettings settings) throws IOException {
        return new AuditLog(settings, true);
    }

    /** For tests of back-pressure: the writer does not run until {@link #startWriter()}. */
    static AuditLog openPaused(AuditSettings settings) throws IOException {
        return new AuditLog(settings, false);
    }

    synchronized void startWriter() {
        if (!writer.isAlive() && writer.getState() == Thread.State.NEW) {
            writer.start();
        }
    }

    /** {@code dir/audit.jsonl} rolls to {@code dir/audit.2026-11-23.0.jsonl} (UTC days), {@code .gz} if compressed. */
    static String rolledPattern(Path file, boolean compress) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        String rolled = base + ".%d{yyyy-MM-dd,UTC}.%i" + ext + (compress ? ".gz" : "");
        Path dir = file.getParent();
        return (dir == null ? Path.of(rolled) : dir.resolve(rolled)).toString();
    }

    /**
     * Queues the record of one decision. Returns at once unless the queue is full; then waits up to
     * {@code queue.max_wait}. Returns false when the record could not be queued (counted and logged as
     * dropped). Never throws.
     */
    public boolean record(Decision decision, StageTimings timings, Instant at) {
        if (decision == null) {
            return false;
        }
        Entry e = new Entry(decision, timings == null ? StageTimings.NONE : timings, at == null ? Instant.now() : at);
        ReentrantReadWriteLock.ReadLock read = closeLock.readLock();
        read.lock();
        try {
            if (closed) {
                drop(e, "audit log closed");
                return false;
            }
            if (queue.offer(e) || queue.offer(e, settings.maxWait().toNanos(), TimeUnit.NANOSECONDS)) {
                return true;
            }
            drop(e, "audit queue full for " + settings.maxWait().toMillis() + " ms");
            return false;
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            drop(e, "interrupted while waiting for the audit queue");
            return false;
        } finally {
            read.unlock();
        }
    }

    private void drop(Entry e, String why) {
        long n = dropped.incrementAndGet();
        long now = System.nanoTime();
        long last = lastDropLog.get();
        if (n == 1 || (now - last >= DROP_LOG_INTERVAL_NANOS && lastDropLog.compareAndSet(last, now))) {
            var call = e.decision().call();
            LOG.warn("audit record DROPPED ({}); {} dropped so far; call unique_id={} status={} action={}", why, n,
                    call == null ? null : call.callId(), e.decision().status(), e.decision().action());
        }
    }

    private void writeLoop() {
        List<Entry> batch = new ArrayList<>(BATCH);
        try {
            while (true) {
                Entry first = queue.take();
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
                boolean stop = false;
                for (Entry e : batch) {
                    if (e == POISON) {
                        stop = true; // close() enqueues it last: nothing can follow
                        continue;
                    }
                    write(e);
                }
                batch.clear();
                if (stop) {
                    break;
                }
                if (queue.isEmpty()) {
                    flush();
                }
            }
        } catch (InterruptedException ie) {
            // close() interrupts only when its wait ran out; write what is left
            List<Entry> rest = new ArrayList<>();
            queue.drainTo(rest);
            rest.stream().filter(x -> x != POISON).forEach(this::write);
        }
        flush();
    }

    private void write(Entry e) {
        try {
            out.info(AuditRecord.format(e.decision(), e.timings(), e.at(), settings.evidence()));
            written.incrementAndGet();
        } catch (RuntimeException ex) {
            writeErrors.incrementAndGet();
            LOG.error("audit record not written: {}", ex.toString());
        }
    }

    private void flush() {
        try {
            var os = appender.getOutputStream();
            if (os != null) {
                os.flush();
            }
        } catch (IOException ex) {
            writeErrors.incrementAndGet();
            LOG.error("audit file flush failed: {}", ex.toString());
        }
    }

    private void onStatus(Status s) {
        if (s.getLevel() == Status.ERROR) {
            writeErrors.incrementAndGet();
            LOG.error("audit file: {}{}", s.getMessage(), s.getThrowable() == null ? "" : ": " + s.getThrowable());
        }
    }

    /**
     * Tests only: the time the day-based rollover sees from now on (logback's artificial clock). Records queued
     * after this call see it (the queue hands it over to the writer).
     */
    void rollingClockForTest(Instant now) {
        trigger.setCurrentTime(now.toEpochMilli());
    }

    /** Records waiting for the writer. */
    /**
     * Hands closing at JVM shutdown to the caller: removes this log's own shutdown hook. An owner that
     * drains work at shutdown before closing the log (serve: calls in flight are answered, and audited,
     * after SIGTERM) must call this, since JVM shutdown hooks run concurrently and the log's own hook
     * would close it before the drained calls are recorded.
     */
    public void closeOnShutdownByOwner() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already running the hooks
        }
    }

    public int queueDepth() {
        return queue.size();
    }

    /** Records that could not be queued (queue full beyond the wait, or after close). */
    public long dropped() {
        return dropped.get();
    }

    /** Records handed to the file appender. */
    public long written() {
        return written.get();
    }

    /** Records or flushes that failed inside the writer (disk full, I/O error), as reported by logback. */
    public long writeErrors() {
        return writeErrors.get();
    }

    public AuditSettings settings() {
        return settings;
    }

    /** Stops accepting records, writes every queued record, flushes and closes the file. Idempotent. */
    @Override
    public void close() {
        boolean first;
        ReentrantReadWriteLock.WriteLock w = closeLock.writeLock();
        w.lock();
        try {
            first = !closed;
            closed = true; // no record() can enqueue after this: they hold the read lock while enqueuing
        } finally {
            w.unlock();
        }
        if (!first) {
            awaitClosed(); // another thread (e.g. the shutdown hook) is draining: return when it is done
            return;
        }
        try {
            drainAndStop();
        } finally {
            closeDone.countDown();
        }
    }

    private void awaitClosed() {
        try {
            if (!closeDone.await(60, TimeUnit.SECONDS)) {
                LOG.warn("audit log still closing after 60 s");
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private void drainAndStop() {
        startWriter();
        try {
            while (!queue.offer(POISON, 100, TimeUnit.MILLISECONDS)) {
                if (!writer.isAlive()) {
                    break;
                }
            }
            writer.join();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            writer.interrupt();
            try {
                writer.join(10_000);
            } catch (InterruptedException again) {
                Thread.currentThread().interrupt();
            }
        }
        int left = (int) queue.stream().filter(e -> e != POISON).count();
        if (left > 0) { // only if the writer died (an Error) or close() was interrupted twice
            dropped.addAndGet(left);
            LOG.error("audit log closed with {} records unwritten (writer thread stopped)", left);
        }
        appender.stop();
        context.stop();
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already running the hooks
            }
        }
    }
}
