package org.stirshield.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.agi.AgiClient;
import org.stirshield.agi.AgiServer;
import org.stirshield.agi.ServerSettings;
import org.stirshield.config.ConfigValues;
import org.stirshield.testing.RedisServer;
import org.stirshield.testing.SignedCarrier;

/**
 * Two StirShield instances (each the production service behind its own FastAGI server, over real TCP) sharing
 * one real redis-server: a PASSporT replayed to the other instance is flagged, the store asked without a call
 * leaving its event loop; the store killed while calls run
 * costs no call its deadline; the store back, sharing resumes without a restart.
 */
class SharedReplayInstancesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Generous: the machine running the tests may be loaded; the store's own bound is tested elsewhere. */
    private static final Duration DEADLINE = Duration.ofSeconds(3);

    @TempDir
    Path dir;
    private RedisServer redis;
    private SignedCarrier carrier;
    private final List<Instance> instances = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private record Instance(String name, StirShieldService service, AgiServer server) {
        InetSocketAddress agi() {
            return server.address();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        redis = RedisServer.start(dir);
        carrier = new SignedCarrier(dir);
    }

    @AfterEach
    void tearDown() {
        for (Instance i : instances) {
            i.server().shutdown(Duration.ofSeconds(2));
            i.service().close();
        }
        redis.close();
    }

    private Instance start(String name) throws Exception {
        Path config = carrier.config(name, """
                audit:
                  file: "%s"
                  replay:
                    store: %s
                    probe_interval: 200ms
                    timeout: 250ms
                """.formatted(carrier.audit(name), redis.url(0)));
        StirShieldService service = StirShieldService.start(new StirShieldService.Options(config,
                ConfigValues.readYaml(config), null, null));
        ServerSettings settings = ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0));
        AgiServer server = AgiServer.start(settings.withLimits(settings.maxSessions(), settings.readTimeout(), DEADLINE,
                settings.shutdownGrace()), service.screener());
        Instance i = new Instance(name, service, server);
        instances.add(i);
        call(i, "1764000000.warm-" + name, carrier.identity()); // class loading, first certificate load
        return i;
    }

    private static AgiClient.Result call(Instance to, String uniqueId, String identity) {
        AgiClient.Call c = AgiClient.call(to.agi(), "verify", SignedCarrier.CALLER, SignedCarrier.CALLED,
                "from-carrier", List.of(identity)).with("agi_uniqueid", uniqueId);
        return AgiClient.run(to.agi(), c, Duration.ofSeconds(10));
    }

    /** The audit record of call {@code uniqueId} on instance {@code i}, waiting for the writer. */
    private JsonNode auditRecord(Instance i, String uniqueId) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Path f = carrier.audit(i.name());
        while (System.nanoTime() < end) {
            if (Files.exists(f)) {
                for (String line : Files.readAllLines(f)) {
                    JsonNode n = JSON.readTree(line);
                    if (uniqueId.equals(n.path("unique_id").asText())) {
                        return n;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no audit record for " + uniqueId + " in " + f);
    }

    private String get(Instance i, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + i.service().metrics().port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    @Test
    void thePassportOfACallToAReplayedToBIsFlaggedOnB() throws Exception {
        Instance a = start("a");
        Instance b = start("b");
        String identity = carrier.identity();
        long offLoopA = a.server().stats().decidedOffLoop();
        long offLoopB = b.server().stats().decidedOffLoop();
        AgiClient.Result first = call(a, "1764000000.1", identity);
        AgiClient.Result second = call(b, "1764000000.2", identity);
        assertTrue(first.completed() && second.completed(), first.error() + " " + second.error());
        assertEquals(offLoopA + offLoopB, a.server().stats().decidedOffLoop() + b.server().stats().decidedOffLoop(),
                "the store's answer came back to the event loop: no call ran again on a thread of its own");
        assertEquals(0, auditRecord(a, "1764000000.1").path("replay_count").asInt());
        JsonNode replayed = auditRecord(b, "1764000000.2");
        assertEquals(1, replayed.path("replay_count").asInt(), replayed.toString());
        assertEquals(replayed.path("passport").asText(), auditRecord(a, "1764000000.1").path("passport").asText());

        String ready = get(b, "/health/ready");
        assertTrue(ready.startsWith("200 ready\n"), ready);
        assertTrue(ready.contains("replay: shared store " + redis.url(0) + " reachable"), ready);
        assertTrue(ready.contains("trust_anchors: 1 loaded"), ready);
        assertTrue(get(b, "/health/live").startsWith("200 "));
        assertTrue(get(b, "/health").startsWith("200 ok"), "today's /health still answers");
        String metrics = get(b, "/metrics");
        assertTrue(metrics.contains("stirshield_replay_store_mode{mode=\"shared\"} 1.0"), metrics);
        assertTrue(metrics.contains("stirshield_replay_store_mode{mode=\"fallback\"} 0.0"), metrics);
        assertTrue(metrics.contains("stirshield_replay_checks_total{store=\"shared\"} 2.0"), "warm-up + the replay: " + metrics);
        assertTrue(metrics.contains("stirshield_replayed_calls_total 1.0"), metrics);
    }

    /**
     * The store killed while both instances take calls: every call is answered, well within its deadline and
     * never by the fail-safe watchdog; the fallback is counted and /health/ready says degraded (still 200);
     * the store restarted: both instances share again, no restart of StirShield.
     */
    @Test
    void theStoreKilledWhileCallsRunThenRestarted() throws Exception {
        Instance a = start("a");
        Instance b = start("b");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger made = new AtomicInteger();
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> millis = new ConcurrentLinkedQueue<>();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Instance to = t % 2 == 0 ? a : b;
            int thread = t;
            callers.add(Thread.ofPlatform().start(() -> {
                for (int n = 0; !stop.get(); n++) {
                    String id = "1764000001." + thread + "." + n;
                    long t0 = System.nanoTime();
                    AgiClient.Result r = call(to, id, carrier.identity());
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    millis.add(ms);
                    made.incrementAndGet();
                    String reason = r.variables().get("STIR_REASON");
                    if (!r.completed() || r.variables().get("STIR_STATUS") == null) {
                        problems.add(id + ": not answered: " + r.error());
                    } else if (!"verified".equals(reason)) {
                        problems.add(id + ": " + r.variables()); // e.g. the watchdog's fail-safe answer
                    } else if (ms > DEADLINE.toMillis()) {
                        problems.add(id + ": answered after " + ms + " ms");
                    }
                }
            }));
        }
        Thread.sleep(800);
        redis.kill();
        Thread.sleep(1500);
        stop.set(true);
        for (Thread t : callers) {
            t.join(30_000);
        }
        assertTrue(problems.isEmpty(), problems.size() + " of " + made.get() + " calls: " + problems);
        assertTrue(made.get() > 20, "calls made: " + made.get());

        for (Instance i : List.of(a, b)) {
            String ready = get(i, "/health/ready");
            assertTrue(ready.startsWith("200 ready\n"), "degraded but ready: " + ready);
            assertTrue(ready.contains("replay: DEGRADED: shared store " + redis.url(0) + " unreachable"), ready);
            assertTrue(get(i, "/metrics").contains("stirshield_replay_store_mode{mode=\"fallback\"} 1.0"));
        }
        String metricsA = get(a, "/metrics") + get(b, "/metrics");
        assertTrue(metricsA.matches("(?s).*stirshield_replay_store_errors_total\\{reason=\"(error|timeout|unavailable)\"} [1-9].*"),
                "the fallback is counted: " + metricsA);
        assertTrue(metricsA.matches("(?s).*stirshield_replay_checks_total\\{store=\"local\"} [1-9].*"), metricsA);

        redis.restart();
        for (Instance i : List.of(a, b)) {
            awaitShared(i);
        }
        String identity = carrier.identity();
        call(a, "1764000002.1", identity);
        call(b, "1764000002.2", identity);
        assertEquals(1, auditRecord(b, "1764000002.2").path("replay_count").asInt(), "sharing resumed");
    }

    /** Shared again: a call through it (a store restarted under it may cost one call its first connection). */
    private void awaitShared(Instance i) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int n = 0; ; n++) {
            String ready = get(i, "/health/ready");
            if (ready.contains("replay: shared store")) {
                AgiClient.Result r = call(i, "1764000003." + i.name() + n, carrier.identity());
                assertNotNull(r.variables().get("STIR_STATUS"));
                if (get(i, "/health/ready").contains("replay: shared store")) {
                    return;
                }
            }
            assertFalse(System.nanoTime() > end, "not shared again: " + ready);
            Thread.sleep(50);
        }
    }

    @SuppressWarnings("unused")
    private static Map<String, String> vars(AgiClient.Result r) {
        return r.variables();
    }
}
