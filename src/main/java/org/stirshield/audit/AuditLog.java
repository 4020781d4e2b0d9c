package org.stirshield.audit;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.policy.Decision;

/**
 * The audit end of the call pipeline: one JSON line per decision ({@link AuditRecord}), written off the
 * call path by a single writer thread into a file rolled by size and by UTC day ({@link AuditFile}).
 *
 * <p><b>Cheap hand-off, in batches.</b> {@link #record} adds the record to a lock-free queue and returns; it
 * wakes the writer only when {@value #BATCH} records are waiting. The writer otherwise wakes every
 * {@value #FLUSH_INTERVAL_MILLIS} ms and writes everything waiting as one batch (one write to the file), so a
 * busy server costs no thread wake-up per call and a record reaches the file within about that interval.
 *
 * <p><b>No record is lost silently.</b> Every record handed to {@link #record} is either written whole to the
 * file ({@link #written()}) or counted as lost ({@link #dropped()}): the queue is bounded
 * ({@code audit.queue.capacity}); when it is full the calling thread waits up to {@code audit.queue.max_wait}
 * (back-pressure) and only then drops; after {@link #close()} records are refused; and a record whose write
 * failed (disk full, I/O error) is lost. So {@code written() + dropped() == records offered} at all times
 * after the queue has drained, which the metrics {@code stirshield_audit_records_total} and
 * {@code stirshield_audit_dropped_total} show.
 *
 * <p><b>Disk full.</b> When a write fails the log becomes <em>degraded</em> ({@link #degraded()}, metric
 * {@code stirshield_audit_degraded}, the health endpoint): one error line says so, with the count of records lost
 * so far; records keep being taken from the queue (calls are never held up by the disk), each batch is tried
 * again and counted as lost while the disk refuses it. The first batch that is written whole ends the state,
 * with one line saying how many records were lost while it lasted. The file never holds a partial line.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** Records that wake the writer before its interval is up; also the most records in one write. */
    static final int BATCH = 512;
    static final long FLUSH_INTERVAL_MILLIS = 10;
    private static final long DROP_LOG_INTERVAL_NANOS = 1_000_000_000L;

    private record Entry(Decision decision, StageTimings timings, Instant at) {
    }

    private final AuditSettings settings;
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final ReentrantReadWriteLock closeLock = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private volatile boolean stopping;
    private final CountDownLatch closeDone = new CountDownLatch(1);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong writeErrors = new AtomicLong();
    private final AtomicLong lastDropLog = new AtomicLong(System.nanoTime() - DROP_LOG_INTERVAL_NANOS);
    private final AuditFile file;
    private volatile Long testClockMillis;
    private volatile String degraded;
    private long lostWhileDegraded;
    private final Thread writer;
    private final Thread shutdownHook;

    private AuditLog(AuditSettings settings, boolean startWriter) throws IOException {
        this.settings = settings;
        this.file = new AuditFile(settings, this::nowMillis);
        String name = "stirshield-audit-" + INSTANCES.incrementAndGet();
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
        if (writer.getState() == Thread.State.NEW) {
            writer.start();
        }
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
            if (reserve() || awaitRoom()) {
                queue.add(e);
                return true;
            }
            drop(e, "audit queue full for " + settings.maxWait().toMillis() + " ms");
            return false;
        } finally {
            read.unlock();
        }
    }

    /** Takes one place in the bounded queue; wakes the writer when a batch is waiting. */
    private boolean reserve() {
        int n;
        do {
            n = queued.get();
            if (n >= settings.queueCapacity()) {
                return false;
            }
        } while (!queued.compareAndSet(n, n + 1));
        if (n + 1 == BATCH) {
            LockSupport.unpark(writer);
        }
        return true;
    }

    /** Back-pressure: waits up to max_wait for a place in the queue. */
    private boolean awaitRoom() {
        long end = System.nanoTime() + settings.maxWait().toNanos();
        while (true) {
            LockSupport.unpark(writer);
            long left = end - System.nanoTime();
            if (left <= 0) {
                return reserve();
            }
            LockSupport.parkNanos(Math.min(left, 1_000_000));
            if (reserve()) {
                return true;
            }
            if (Thread.currentThread().isInterrupted()) {
                return false;
            }
        }
    }

    private void drop(Entry e, String why) {
        long n = dropped.incrementAndGet();
        long now = System.nanoTime();
        long last = lastDropLog.get();
        if (n == 1 || (now - last >= DROP_LOG_INTERVAL_NANOS && lastDropLog.compareAndSet(last, now))) {
            var call = e.decision().call();
            LOG.warn("audit record DROPPED ({}); {} lost so far; call unique_id={} status={} action={}", why, n,
                    call == null ? null : call.callId(), e.decision().status(), e.decision().action());
        }
    }

    private void writeLoop() {
        JsonLines lines = new JsonLines(64 * 1024); // one buffer for every batch: no string or array per record
        try {
            while (true) {
                lines.clear();
                int taken = 0;
                for (Entry e; taken < BATCH && (e = queue.poll()) != null; taken++) {
                    encode(e, lines);
                }
                if (taken > 0) {
                    queued.addAndGet(-taken);
                    write(lines);
                    continue;
                }
                if (stopping && queue.isEmpty()) {
                    return; // close() refuses new records before it sets stopping: nothing can follow
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(FLUSH_INTERVAL_MILLIS));
            }
        } catch (RuntimeException | Error e) {
            LOG.error("audit writer stopped by an internal error; records still queued will be counted as lost", e);
        }
    }

    /** Adds the record to the batch as one line, or nothing (counted as dropped, logged) if it cannot be formatted (a bug). */
    private void encode(Entry e, JsonLines lines) {
        try {
            AuditRecord.write(lines, e.decision(), e.timings(), e.at(), settings.evidence());
        } catch (RuntimeException ex) {
            drop(e, "record could not be formatted: " + ex);
        }
    }

    private void write(JsonLines lines) {
        int n = lines.lineCount();
        if (n == 0) {
            return;
        }
        try {
            file.append(lines);
            written.addAndGet(n);
            if (degraded != null) {
                LOG.warn("audit file {} writable again: {} records lost while it was not ({} lost in total)",
                        file.path(), lostWhileDegraded, dropped.get());
                degraded = null;
                lostWhileDegraded = 0;
            }
        } catch (RuntimeException bug) {
            fail(n, 0, "audit file " + file.path() + " not writable: internal error " + bug);
        } catch (AuditFile.WriteFailure f) {
            fail(n, f.landed(), "audit file " + file.path() + " not writable: " + f.reason().getMessage());
        }
    }

    /** A batch of {@code size} lines of which only the first {@code landed} reached the file. */
    private void fail(int size, int landed, String why) {
        written.addAndGet(landed);
        dropped.addAndGet(size - landed);
        writeErrors.incrementAndGet();
        lostWhileDegraded += size - landed;
        if (degraded == null) {
            degraded = why;
            LOG.error("{}; records are lost (and counted, stirshield_audit_dropped_total) until a write succeeds; "
                    + "{} lost so far", degraded, dropped.get());
        }
    }

    private long nowMillis() {
        Long t = testClockMillis;
        return t != null ? t : System.currentTimeMillis();
    }

    /** Tests only: the time the day-based rollover sees from now on. */
    void rollingClockForTest(Instant now) {
        testClockMillis = now.toEpochMilli();
    }

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

    /** Records waiting for the writer. */
    public int queueDepth() {
        return Math.max(0, queued.get());
    }

    /**
     * Records not in the file: not queued (queue full beyond max_wait, or after close) or whose write failed
     * (disk full, I/O error). {@code written() + dropped()} is every record offered once the queue is empty.
     */
    public long dropped() {
        return dropped.get();
    }

    /** Records written whole to the file. */
    public long written() {
        return written.get();
    }

    /** Writes that failed (disk full, I/O error); each failed write loses the records of its batch not written. */
    public long writeErrors() {
        return writeErrors.get();
    }

    /** Why records are being lost now (the last write failed), or null while the file takes them. */
    public String degraded() {
        return degraded;
    }

    public AuditSettings settings() {
        return settings;
    }

    /** Stops accepting records, writes every queued record, closes the file. Idempotent. */
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
        stopping = true;
        LockSupport.unpark(writer);
        try {
            writer.join();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            try {
                writer.join(Duration.ofSeconds(10));
            } catch (InterruptedException again) {
                Thread.currentThread().interrupt();
            }
        }
        int left = 0;
        while (queue.poll() != null) {
            left++;
        }
        if (left > 0) { // only if the writer died (an Error) or close() was interrupted twice
            dropped.addAndGet(left);
            LOG.error("audit log closed with {} records unwritten (writer thread stopped); counted as lost", left);
        }
        file.close();
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already running the hooks
            }
        }
    }
}
