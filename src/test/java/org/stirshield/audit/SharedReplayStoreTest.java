package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.stirshield.cert.Deadline;
import org.stirshield.testing.RedisServer;
import redis.clients.jedis.Jedis;

/**
 * Replay detection shared through a real redis-server started here on a free loopback port: two instances
 * see each other's calls; the store killed, frozen and restarted while calls run.
 */
class SharedReplayStoreTest {
    private static final ReplayWindow WINDOW = new ReplayWindow(Duration.ofSeconds(60), Duration.ofSeconds(60));
    private static final String D1 = "1".repeat(64);

    @TempDir
    Path dir;
    private RedisServer redis;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        redis.close();
    }

    private ReplayDetection instance(String extraYaml) throws Exception {
        // a generous timeout unless the test is about it: a loaded test machine must not make the store flap
        String yaml = "store: " + redis.url(2) + "\n" + extraYaml
                + (extraYaml.contains("probe_interval") ? "" : "probe_interval: 100ms\n")
                + (extraYaml.contains("timeout") ? "" : "timeout: 500ms\n");
        ReplayDetection d = ReplayDetection.start(settings(yaml));
        open.add(d);
        return d;
    }

    /** The store alone (no detection around it), its connections open. */
    private RedisReplayStore store(String extraYaml) throws Exception {
        RedisReplayStore store = new RedisReplayStore(settings("store: " + redis.url(2) + "\n" + extraYaml).store());
        open.add(store);
        store.fill();
        return store;
    }

    private static ReplaySettings settings(String yaml) throws Exception {
        return ReplaySettings.from(new ObjectMapper(new YAMLFactory()).readTree(yaml), WINDOW);
    }

    private static int observe(ReplayDetection d, String digest, String callId) {
        Instant now = Instant.now();
        return d.observe(digest, callId, now.getEpochSecond(), now, Deadline.in(Duration.ofSeconds(1)));
    }

    @Test
    void twoInstancesSeeEachOthersCallsKeyedOnTheSignedContentWithTheWindowAsExpiry() throws Exception {
        ReplayDetection a = instance("");
        ReplayDetection b = instance("");
        assertEquals(ReplayDetection.Mode.SHARED, a.mode());
        assertEquals(0, observe(a, D1, "call-1"));
        assertEquals(1, observe(b, D1, "call-2"), "B sees A's call");
        assertEquals(1, observe(a, D1, "call-2"), "a retransmission of call-2 reaching A is no new call");
        assertEquals(2, observe(a, D1, "call-3"));
        assertEquals(0, observe(b, "2".repeat(64), "call-4"), "another PASSporT is independent");
        assertEquals(0, observe(a, "3".repeat(64), "x".repeat(500)), "a long call id is stored as a digest");
        assertEquals(0, observe(b, "3".repeat(64), "x".repeat(500)));
        try (Jedis j = redis.client()) {
            j.select(2);
            String key = "stirshield:replay:" + D1;
            assertEquals(3, j.hlen(key), "one field per distinct call");
            long ttl = j.pttl(key);
            assertTrue(ttl > 55_000 && ttl <= 61_000, "expires when the PASSporT stops passing freshness: " + ttl);
        }
        assertTrue(a.checkedShared() >= 4 && b.checkedShared() >= 3);
        assertEquals(0, a.storeErrors(RedisReplayStore.Failure.TIMEOUT) + a.storeErrors(RedisReplayStore.Failure.ERROR));
    }

    @Test
    void aThreadThatMustNotWaitIsToldSoBeforeAnythingIsRemembered() throws Exception {
        ReplayDetection a = instance("");
        Instant now = Instant.now();
        assertThrows(Deadline.WouldBlock.class, () -> a.observe(D1, "call-1", now.getEpochSecond(), now,
                Deadline.in(Duration.ofSeconds(1)).withoutBlocking()), "the shared store is a wait");
        assertEquals(0, observe(a, D1, "call-1"), "the same call, run again where it may wait, is no replay of itself");
        try (Jedis j = redis.client()) {
            j.select(2);
            assertEquals(1, j.hlen("stirshield:replay:" + D1));
        }
    }

    @Test
    void memoryPerPassportIsBoundedInTheStoreToo() throws Exception {
        ReplayDetection a = instance("");
        int last = 0;
        for (int i = 0; i < 200; i++) {
            last = observe(a, D1, "call-" + i);
        }
        assertEquals(199, last, "every call beyond the cap still counts");
        try (Jedis j = redis.client()) {
            j.select(2);
            assertEquals(ReplayDetector.MAX_CALLS_PER_DIGEST + 1, j.hlen("stirshield:replay:" + D1));
        }
    }

    @Test
    void aPasswordFromAFileAndTheScriptReloadedAfterTheStoreForgotIt() throws Exception {
        redis.close();
        redis = RedisServer.start(dir, "test-pw-4821");
        Path pw = dir.resolve("redis.pass");
        Files.writeString(pw, "test-pw-4821\n");
        ReplayDetection a = instance("password_file: " + pw + "\n");
        assertEquals(ReplayDetection.Mode.SHARED, a.mode(), a.describe());
        assertEquals(0, observe(a, D1, "call-1"));
        try (Jedis j = redis.client()) {
            j.scriptFlush();
        }
        assertEquals(1, observe(a, D1, "call-2"), "NOSCRIPT: EVAL loads it again, no error");
        assertEquals(0, a.storeErrors(RedisReplayStore.Failure.ERROR));

        ReplayDetection wrong = instance("password_env: PATH\n"); // a password the store refuses
        assertEquals(ReplayDetection.Mode.FALLBACK, wrong.mode());
        assertTrue(wrong.describe().startsWith("DEGRADED") && wrong.lastError() != null, wrong.describe());
        assertEquals(0, observe(wrong, D1, "call-3"), "this instance's memory only: it never saw D1");
    }

    /**
     * {@code rediss://}: TLS with the store's CA from {@code tls_ca_file}; the certificate must name the host in
     * the URL (a certificate for {@code localhost} reached as {@code 127.0.0.1} is refused: fallback).
     */
    @Test
    void tlsToTheStoreWithItsCaAndTheHostNameChecked() throws Exception {
        Path ca = dir.resolve("ca.pem");
        Path caKey = dir.resolve("ca.key");
        Path cert = dir.resolve("redis.pem");
        Path key = dir.resolve("redis.key");
        Path ext = dir.resolve("san.ext");
        Files.writeString(ext, "subjectAltName=DNS:localhost\n");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                caKey.toString(), "-out", ca.toString(), "-days", "2", "-subj", "/CN=Test Redis CA");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(),
                "-out", dir.resolve("redis.csr").toString(), "-subj", "/CN=localhost");
        openssl("x509", "-req", "-in", dir.resolve("redis.csr").toString(), "-CA", ca.toString(), "-CAkey",
                caKey.toString(), "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
        try (RedisServer tls = RedisServer.start(dir, null, new RedisServer.Tls(cert, key, ca))) {
            String common = "tls_ca_file: " + ca + "\nprobe_interval: 100ms\ntimeout: 500ms\n";
            ReplayDetection a = ReplayDetection.start(ReplaySettings.from(new ObjectMapper(new YAMLFactory()).readTree(
                    "store: rediss://localhost:" + tls.port() + "/0\n" + common), WINDOW));
            open.add(a);
            ReplayDetection b = ReplayDetection.start(ReplaySettings.from(new ObjectMapper(new YAMLFactory()).readTree(
                    "store: rediss://localhost:" + tls.port() + "/0\n" + common), WINDOW));
            open.add(b);
            assertEquals(ReplayDetection.Mode.SHARED, a.mode(), a.describe());
            assertEquals(0, observe(a, D1, "call-1"));
            assertEquals(1, observe(b, D1, "call-2"), "shared over TLS");

            ReplayDetection wrongName = ReplayDetection.start(ReplaySettings.from(new ObjectMapper(new YAMLFactory())
                    .readTree("store: rediss://127.0.0.1:" + tls.port() + "/0\n" + common), WINDOW));
            open.add(wrongName);
            assertEquals(ReplayDetection.Mode.FALLBACK, wrongName.mode(), "the certificate does not name 127.0.0.1");
            ReplayDetection noCa = ReplayDetection.start(ReplaySettings.from(new ObjectMapper(new YAMLFactory())
                    .readTree("store: rediss://localhost:" + tls.port() + "/0\ntimeout: 500ms\n"), WINDOW));
            open.add(noCa);
            assertEquals(ReplayDetection.Mode.FALLBACK, noCa.mode(), "a CA the JDK does not trust");
        }
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl " + cmd + ": " + out);
    }

    /**
     * The store killed while calls run: every call is answered at once from this instance's memory (which saw
     * this instance's calls all along), the failure is counted and logged once; the store back: the prober
     * notices and sharing resumes, without a restart of StirShield.
     */
    @Test
    void killedThenRestartedTheStoreFallsBackAndComesBackByItself() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(ReplayDetection.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            // probes far apart: the calls are the ones that meet the dead store
            ReplayDetection a = instance("probe_interval: 2s\n");
            ReplayDetection b = instance("probe_interval: 2s\n");
            assertEquals(0, observe(a, D1, "call-1"));
            redis.kill();
            long worst = 0;
            for (int i = 0; i < 200; i++) {
                long t0 = System.nanoTime();
                int n = observe(a, "4".repeat(63) + (i % 10), "k-" + i);
                worst = Math.max(worst, System.nanoTime() - t0);
                assertEquals(i / 10, n, "this instance's own calls are still counted");
            }
            assertEquals(ReplayDetection.Mode.FALLBACK, a.mode());
            assertTrue(a.storeErrors(RedisReplayStore.Failure.ERROR) + a.storeErrors(RedisReplayStore.Failure.TIMEOUT)
                    + a.storeErrors(RedisReplayStore.Failure.UNAVAILABLE) >= 1, "counted");
            assertTrue(a.checkedLocal() >= 200);
            assertTrue(TimeUnit.NANOSECONDS.toMillis(worst) < 1000, "no call waits for a dead store: " + worst / 1e6 + " ms");
            assertEquals(1, observe(a, D1, "call-2"), "a replay on the same instance is still caught");

            redis.restart();
            awaitMode(a, ReplayDetection.Mode.SHARED);
            // B made no call while the store was down: its first call meets a connection to the old store,
            // falls back for that call, and B reconnects at once
            observe(b, "6".repeat(64), "call-9");
            awaitMode(b, ReplayDetection.Mode.SHARED);
            assertEquals(0, observe(a, "5".repeat(64), "call-10"));
            assertEquals(1, observe(b, "5".repeat(64), "call-11"), "sharing resumed");
            List<String> lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains(redis.url(2))).toList();
            assertEquals(2, lines.stream().filter(m -> m.contains("falls back")).count(),
                    "once per instance, not once per call: " + lines);
            assertEquals(2, lines.stream().filter(m -> m.contains("is shared again")).count(), "once per instance: " + lines);
        } finally {
            logger.detachAppender(logs);
        }
    }

    /**
     * A store that accepts connections and never answers (SIGSTOP) costs a call at most the timeout, and after
     * the switch to fallback, nothing.
     */
    @Test
    void aStoreThatNeverAnswersAddsAtMostItsTimeoutToACall() throws Exception {
        ReplayDetection a = instance("timeout: 50ms\nprobe_interval: 200ms\n");
        assertEquals(0, observe(a, D1, "call-1"));
        whileFrozen(a, () -> {
            long t0 = System.nanoTime();
            assertEquals(1, observe(a, D1, "call-2"), "answered from memory");
            long first = System.nanoTime() - t0;
            assertTrue(first >= TimeUnit.MILLISECONDS.toNanos(45), "it did wait for the store: " + first / 1e6);
            assertTrue(first < TimeUnit.MILLISECONDS.toNanos(50 + 400), "bounded by the timeout: " + first / 1e6 + " ms");
            assertEquals(1, a.storeErrors(RedisReplayStore.Failure.TIMEOUT));
            assertEquals(ReplayDetection.Mode.FALLBACK, a.mode());
            t0 = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                observe(a, D1, "call-x" + i);
            }
            long fifty = System.nanoTime() - t0;
            assertTrue(fifty < TimeUnit.MILLISECONDS.toNanos(400), "no more waiting once in fallback: " + fifty / 1e6);
            Deadline nearlyOver = Deadline.in(Duration.ofMillis(5));
            assertEquals(52, a.observe(D1, "call-y", Instant.now().getEpochSecond(), Instant.now(), nearlyOver));
        });
    }

    /**
     * A thread that must not wait hands its question over, and the dispatchers pipeline what is waiting. In the
     * store: 200 calls with one PASSporT, asked at once from 8 threads, each get a distinct count from 0 to 199
     * (the script ran atomically per call and no answer went to another call). Through detection: 200 questions
     * on 200 PASSporTs, every other one seen before on the other instance, each get exactly its own answer.
     */
    @Test
    void questionsHandedOverArePipelinedAndEachCallGetsItsOwnAnswer() throws Exception {
        RedisReplayStore store = store("timeout: 1s\n");
        List<CompletableFuture<Integer>> counts = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> askers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            askers.add(Thread.ofPlatform().start(() -> {
                for (int n = 0; n < 25; n++) {
                    counts.add(store.observeLater(D1, "call-" + thread + "-" + n, Duration.ofSeconds(60),
                            Duration.ofSeconds(1), System.nanoTime() + TimeUnit.SECONDS.toNanos(5)));
                }
            }));
        }
        for (Thread t : askers) {
            t.join();
        }
        java.util.TreeSet<Integer> distinct = new java.util.TreeSet<>();
        for (CompletableFuture<Integer> f : counts) {
            distinct.add(f.get(10, TimeUnit.SECONDS));
        }
        assertEquals(200, distinct.size(), "each count once: " + distinct);
        assertEquals(0, distinct.first());
        assertEquals(199, distinct.last());

        ReplayDetection a = instance("");
        ReplayDetection b = instance("");
        for (int i = 0; i < 200; i += 2) {
            assertEquals(0, observe(b, digest(i), "seen-on-b-" + i));
        }
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < 200; i++) {
            answers.add(a.observeLater(digest(i), "asked-on-a-" + i, now.getEpochSecond(), now,
                    Deadline.in(Duration.ofSeconds(5)).withoutBlocking()));
        }
        for (int i = 0; i < 200; i++) {
            assertEquals(i % 2 == 0 ? 1 : 0, answers.get(i).get(10, TimeUnit.SECONDS), "PASSporT " + i);
        }
        assertEquals(200, a.checkedShared());
        assertEquals(0, a.checkedLocal(), "none fell back");
        assertEquals(0, observe(a, "4".repeat(64), "call-x"), "the waiting path still works beside it");

        try (Jedis j = redis.client()) {
            j.scriptFlush();
        }
        List<CompletableFuture<Integer>> afterFlush = new ArrayList<>();
        for (int i = 0; i < 20; i++) { // asked at once: NOSCRIPT for a whole batch, loaded once and sent again
            afterFlush.add(a.observeLater(digest(i), "after-flush-" + i, now.getEpochSecond(), now,
                    Deadline.in(Duration.ofSeconds(5)).withoutBlocking()));
        }
        for (int i = 0; i < 20; i++) {
            assertEquals(i % 2 == 0 ? 2 : 1, afterFlush.get(i).get(10, TimeUnit.SECONDS), "after the flush, " + i);
        }
        assertEquals(0, a.storeErrors(RedisReplayStore.Failure.ERROR));
        assertEquals(ReplayDetection.Mode.SHARED, a.mode());
    }

    private static String digest(int i) {
        return String.format("%064x", 0xabc000L + i);
    }

    /**
     * The store frozen while a question is handed over: the call's deadline names the store while it waits, the
     * answer comes within the timeout from this instance's memory, and detection falls back.
     */
    @Test
    void aQuestionHandedOverToAFrozenStoreIsAnsweredFromMemoryWithinTheTimeout() throws Exception {
        ReplayDetection a = instance("timeout: 300ms\nprobe_interval: 200ms\n");
        assertEquals(0, observe(a, D1, "call-1"));
        whileFrozen(a, () -> {
            Deadline call = Deadline.in(Duration.ofSeconds(2));
            Instant now = Instant.now();
            long t0 = System.nanoTime();
            CompletableFuture<Integer> answer = a.observeLater(D1, "call-2", now.getEpochSecond(), now,
                    call.withoutBlocking());
            long handed = System.nanoTime() - t0;
            assertTrue(handed < TimeUnit.MILLISECONDS.toNanos(150), "handing over does not wait: " + handed / 1e6);
            assertEquals(Deadline.Wait.SHARED_STORE, call.waitingFor(), "the watchdog would name the store");
            assertEquals(1, answer.get(2, TimeUnit.SECONDS), "answered from memory");
            long took = System.nanoTime() - t0;
            assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(280), "it did wait for the store: " + took / 1e6);
            assertTrue(took < TimeUnit.MILLISECONDS.toNanos(300 + 400), "bounded by the timeout: " + took / 1e6);
            assertEquals(Deadline.Wait.DECISION, call.waitingFor(), "the marker is given back");
            assertEquals(1, a.storeErrors(RedisReplayStore.Failure.TIMEOUT));
            assertEquals(ReplayDetection.Mode.FALLBACK, a.mode());
            assertTrue(a.observeLater(D1, "call-3", now.getEpochSecond(), now, call.withoutBlocking()).isDone(),
                    "in fallback, answered on the spot");
        });
    }

    /**
     * The dispatchers' queue is bounded: with the store frozen and every dispatcher stuck on a batch, questions
     * beyond {@link RedisReplayStore#MAX_QUEUED} fail at once instead of piling up; every question still gets an
     * answer (a count or a failure) once the store's timeout passes.
     */
    @Test
    void questionsBeyondTheQueueBoundFailAtOnce() throws Exception {
        RedisReplayStore store = store("connections: 2\ntimeout: 1s\n");
        assertEquals(0, store.observe(D1, "call-0", Duration.ofSeconds(60), Duration.ofSeconds(1)));
        redis.freeze();
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        try {
            int asked = RedisReplayStore.MAX_QUEUED + 2 * RedisReplayStore.MAX_BATCH + 100;
            for (int i = 1; i <= asked; i++) {
                answers.add(store.observeLater(D1, "call-" + i, Duration.ofSeconds(60), Duration.ofSeconds(1),
                        System.nanoTime() + TimeUnit.SECONDS.toNanos(2)));
            }
            long refused = answers.stream().filter(f -> f.isCompletedExceptionally() && failure(f)
                    == RedisReplayStore.Failure.UNAVAILABLE).count();
            assertTrue(refused >= 100 && refused <= 100 + 2L * RedisReplayStore.MAX_BATCH,
                    "the ones beyond the bound, refused at once: " + refused);
            assertTrue(store.queuedOperations() <= RedisReplayStore.MAX_QUEUED);
        } finally {
            redis.thaw();
        }
        for (CompletableFuture<Integer> f : answers) {
            try {
                f.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                assertTrue(e.getCause() instanceof RedisReplayStore.StoreException, e.toString());
            }
        }
    }

    private static RedisReplayStore.Failure failure(CompletableFuture<Integer> f) {
        try {
            f.join();
            return null;
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause() instanceof RedisReplayStore.StoreException s ? s.failure : null;
        }
    }

    /** What runs while the store is frozen. */
    private interface WhileFrozen {
        void run() throws Exception;
    }

    /** Runs {@code body} with the store frozen (SIGSTOP), then thaws it and waits until {@code d} uses it again. */
    private void whileFrozen(ReplayDetection d, WhileFrozen body) throws Exception {
        redis.freeze();
        try {
            body.run();
        } finally {
            redis.thaw();
        }
        awaitMode(d, ReplayDetection.Mode.SHARED);
    }

    private static void awaitMode(ReplayDetection d, ReplayDetection.Mode m) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (d.mode() != m) {
            assertTrue(System.nanoTime() < end, "mode " + m + " not reached: " + d.describe());
            Thread.sleep(20);
        }
    }
}
