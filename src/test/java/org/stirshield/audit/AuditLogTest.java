package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.policy.Decision;

class AuditLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The acceptance test: 100,000 concurrent calls leave exactly 100,000 records, each id once. */
    @Test
    void hundredThousandCallsFromManyThreadsGiveExactlyOneRecordEach() throws Exception {
        AuditSettings s = AuditSettings.defaults(dir.resolve("audit.jsonl")).withMaxFileSize(1L << 30)
                .withQueue(4096, Duration.ofSeconds(5));
        int total = load(s, 100_000, 8);
        assertEquals(100_000, total);
        List<Path> files = auditFiles();
        assertEquals(1, files.size(), "1 GiB cap not reached: no rollover, one file holds them all");
        assertAllIdsOnce(files, 100_000);
    }

    /** Same load with a small size cap: records spread over rolled files, still every one exactly once. */
    @Test
    void rolloverBySizeLosesAndDuplicatesNothing() throws Exception {
        AuditSettings s = AuditSettings.defaults(dir.resolve("audit.jsonl")).withMaxFileSize(128 * 1024)
                .withQueue(1024, Duration.ofSeconds(5));
        load(s, 8_000, 4);
        List<Path> files = auditFiles();
        assertTrue(files.size() > 10, "rolled into many files: " + files);
        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        for (Path f : files) {
            String name = f.getFileName().toString();
            assertTrue(name.equals("audit.jsonl") || name.matches("audit\\." + today + "\\.\\d+\\.jsonl"), name);
            assertTrue(Files.size(f) < 128 * 1024 + 64 * 1024, name + " near the cap: " + Files.size(f));
        }
        assertAllIdsOnce(files, 8_000);
    }

    @Test
    void rolloverAtTheUtcDayBoundaryKeepsEachDayInItsOwnFile() throws Exception {
        try (AuditLog log = AuditLog.open(AuditSettings.defaults(dir.resolve("audit.jsonl")))) {
            for (int i = 0; i < 100; i++) {
                log.record(Fixtures.pass("call-" + i, 0), StageTimings.NONE, Instant.now());
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (log.written() < 100 && System.nanoTime() < deadline) {
                Thread.sleep(5); // poll: the writer is asynchronous
            }
            java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
            log.rollingClockForTest(today.plusDays(1).atTime(0, 0, 1).toInstant(java.time.ZoneOffset.UTC));
            for (int i = 100; i < 150; i++) {
                log.record(Fixtures.pass("call-" + i, 0), StageTimings.NONE, Instant.now());
            }
            log.close();
            Path rolled = dir.resolve("audit." + today + ".0.jsonl");
            assertTrue(Files.exists(rolled), auditFiles().toString());
            assertEquals(100, Files.readAllLines(rolled).size(), "yesterday's records in yesterday's file");
            assertEquals(50, Files.readAllLines(dir.resolve("audit.jsonl")).size(), "the new day in the active file");
        }
        assertAllIdsOnce(auditFiles(), 150);
    }

    @Test
    void compressedRolloverIsReadableGzip() throws Exception {
        AuditSettings s = AuditSettings.defaults(dir.resolve("calls.jsonl")).withMaxFileSize(64 * 1024).withCompress(true);
        load(s, 2_000, 2);
        List<Path> files = auditFiles();
        assertTrue(files.stream().anyMatch(f -> f.toString().endsWith(".jsonl.gz")), files.toString());
        assertAllIdsOnce(files, 2_000);
    }

    @Test
    void fullQueueBlocksTheCallerUntilTheWriterMakesRoom() throws Exception {
        try (AuditLog log = AuditLog.openPaused(
                AuditSettings.defaults(dir.resolve("a.jsonl")).withQueue(1, Duration.ofSeconds(10)))) {
            assertTrue(log.record(Fixtures.pass("first", 0), StageTimings.NONE, Instant.now()));
            CountDownLatch started = new CountDownLatch(1);
            ExecutorService ex = Executors.newSingleThreadExecutor();
            Future<Boolean> second = ex.submit(() -> {
                started.countDown();
                return log.record(Fixtures.pass("second", 0), StageTimings.NONE, Instant.now());
            });
            started.await();
            // the caller is now blocked on the full queue (back-pressure), not dropping
            assertThrows(java.util.concurrent.TimeoutException.class, () -> second.get(100, TimeUnit.MILLISECONDS));
            log.startWriter();
            assertTrue(second.get(10, TimeUnit.SECONDS));
            ex.shutdown();
            log.close();
            assertEquals(0, log.dropped());
        }
        assertAllIdsOnce(List.of(dir.resolve("a.jsonl")), 2, Set.of("first", "second"));
    }

    @Test
    void whenTheQueueStaysFullBeyondMaxWaitTheRecordIsCountedAsDropped() throws Exception {
        AuditLog log = AuditLog.openPaused(AuditSettings.defaults(dir.resolve("a.jsonl")).withQueue(2, Duration.ofMillis(50)));
        assertTrue(log.record(Fixtures.pass("1", 0), StageTimings.NONE, Instant.now()));
        assertTrue(log.record(Fixtures.pass("2", 0), StageTimings.NONE, Instant.now()));
        long t0 = System.nanoTime();
        assertFalse(log.record(Fixtures.pass("3", 0), StageTimings.NONE, Instant.now()));
        assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(50).toNanos(), "waited max_wait before dropping");
        assertEquals(1, log.dropped());
        assertEquals(2, log.queueDepth());
        log.close(); // starts the writer and drains
        assertEquals(0, log.queueDepth());
        assertEquals(2, log.written());
        assertFalse(log.record(Fixtures.pass("4", 0), StageTimings.NONE, Instant.now()), "closed: refused");
        assertEquals(2, log.dropped(), "and counted");
        assertAllIdsOnce(List.of(dir.resolve("a.jsonl")), 2, Set.of("1", "2"));
    }

    @Test
    void aSecondCloseWaitsUntilTheFirstHasWrittenEverything() throws Exception {
        AuditLog log = AuditLog.openPaused(AuditSettings.defaults(dir.resolve("a.jsonl")).withQueue(50_000, Duration.ZERO));
        for (int i = 0; i < 5_000; i++) {
            assertTrue(log.record(Fixtures.pass("call-" + i, 0), StageTimings.NONE, Instant.now()));
        }
        Thread first = new Thread(log::close); // like the shutdown hook racing the service's own close()
        first.start();
        while (first.getState() == Thread.State.NEW) {
            Thread.onSpinWait();
        }
        log.close();
        assertEquals(5_000, log.written(), "the second close() returned only after the drain");
        first.join();
        assertAllIdsOnce(List.of(dir.resolve("a.jsonl")), 5_000);
    }

    @Test
    void reopeningAppendsRatherThanTruncating() throws Exception {
        AuditSettings s = AuditSettings.defaults(dir.resolve("a.jsonl"));
        try (AuditLog log = AuditLog.open(s)) {
            log.record(Fixtures.pass("one", 0), StageTimings.NONE, Instant.now());
        }
        try (AuditLog log = AuditLog.open(s)) {
            log.record(Fixtures.unprotected("two"), StageTimings.NONE, Instant.now());
        }
        assertAllIdsOnce(List.of(dir.resolve("a.jsonl")), 2, Set.of("one", "two"));
    }

    @Test
    void anUnwritableLocationFailsAtOpenWithTheFileName() throws Exception {
        Path notADir = Files.writeString(dir.resolve("plain-file"), "x");
        IOException e = assertThrows(IOException.class,
                () -> AuditLog.open(AuditSettings.defaults(notADir.resolve("audit.jsonl"))));
        assertTrue(e.getMessage().contains("plain-file"), e.getMessage());
    }

    @Test
    void rolledFileNamesSitNextToTheActiveFileByUtcDay() {
        java.time.LocalDate day = java.time.LocalDate.parse("2026-11-23");
        assertEquals("audit.2026-11-23.0.jsonl", AuditFile.rolledName("audit.jsonl", day, 0, false));
        assertEquals("audit.2026-11-23.7.gz", AuditFile.rolledName("audit", day, 7, true));
    }

    /** Submits {@code n} records from {@code threads} threads, closes, returns lines written; prints the rate. */
    private int load(AuditSettings s, int n, int threads) throws Exception {
        AtomicInteger next = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        AuditLog log = AuditLog.open(s);
        Instant at = Instant.now();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i; (i = next.getAndIncrement()) < n; ) {
                    Decision d = i % 3 == 0 ? Fixtures.pass("call-" + i, at.getEpochSecond())
                            : i % 3 == 1 ? Fixtures.spoof("call-" + i, "+861012308", "t" + (i % 7), "SPC" + (i % 5),
                                    "https://c" + (i % 4) + ".example/x.pem", at.getEpochSecond(), i % 11 == 0 ? 1 : 0)
                            : Fixtures.unprotected("call-" + i);
                    if (!log.record(d, new StageTimings(i % 1000, 3, i % 1000 + 10), at)) {
                        throw new AssertionError("dropped " + i);
                    }
                }
            });
            th.start();
            ts.add(th);
        }
        long t0 = System.nanoTime();
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        log.close();
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("audit throughput: %d records in %.3f s = %.0f records/s (%d threads, queue %d)%n",
                n, secs, n / secs, threads, s.queueCapacity());
        assertEquals(0, log.dropped());
        assertEquals(0, log.writeErrors());
        assertEquals(n, log.written());
        return n;
    }

    private List<Path> auditFiles() throws IOException {
        try (Stream<Path> st = Files.list(dir)) {
            return st.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static void assertAllIdsOnce(List<Path> files, int n) throws IOException {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < n; i++) {
            expected.add("call-" + i);
        }
        assertAllIdsOnce(files, n, expected);
    }

    private static void assertAllIdsOnce(List<Path> files, int n, Set<String> expected) throws IOException {
        Set<String> seen = new HashSet<>();
        int lines = 0;
        for (Path f : files) {
            InputStream in = Files.newInputStream(f);
            if (f.toString().endsWith(".gz")) {
                in = new GZIPInputStream(in);
            }
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines++;
                    JsonNode rec = JSON.readTree(line); // every line is a whole JSON record
                    assertTrue(seen.add(rec.get("unique_id").asText()), "duplicate " + rec.get("unique_id"));
                }
            }
        }
        assertEquals(n, lines, "lines in " + files);
        assertEquals(expected, seen);
    }

}
