package org.stirshield.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cert.Deadline;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Decision;
import org.stirshield.testing.MetricsScrape;
import org.stirshield.verify.CallAttempt;

/**
 * The policy file is replaced while calls run: by a valid policy, by broken ones (invalid YAML, an unknown policy
 * name, an empty file as an editor leaves it mid-save) and back, many times. Every call is decided under one of the
 * two valid policies, never under a broken one and never with internal_error; the broken versions are refused and
 * counted; the last valid one is in force at the end.
 */
class PolicyFlipTest {
    private static final String HOTLINE = "+1 202 555 0123";

    /** A: the number is a hotline that never calls out: every call presenting it is rejected. */
    private static final String REJECTING = """
            version: "A"
            policies:
              hotline: {inbound_only: true}
            protected:
              - {number: "%s", agency: "Test Hotline", policy: hotline}
            """.formatted(HOTLINE);
    /** B: nothing protected: the same call is allowed. */
    private static final String ALLOWING = """
            version: "B"
            policies: {}
            protected: []
            """;
    private static final List<String> BROKEN = List.of(
            "policies: {hotline: {inbound_only: true}\nprotected: [",            // invalid YAML
            "policies: {}\nprotected:\n  - {number: \"+12025550123\", policy: nowhere}\n", // unknown policy
            "",                                                                   // truncated by an editor
            "policies: {hotline: {min_attest: Q}}\n");                            // invalid value

    @TempDir
    Path dir;

    @Test
    void everyCallIsDecidedUnderAValidPolicyWhileTheFileFlipsThroughBrokenVersions() throws Exception {
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, REJECTING);
        Path config = dir.resolve("stirshield.yaml");
        Files.writeString(config, """
                policy: {file: "%s", poll_interval: 20ms, debounce: 0ms}
                audit: {file: "%s"}
                metrics: {listen: "127.0.0.1:0"}
                """.formatted(policy, dir.resolve("audit.jsonl")));
        StirShieldService service = StirShieldService.start(
                new StirShieldService.Options(config, ConfigValues.readYaml(config), null, null));
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> loops = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                loops.add(callers.submit(() -> {
                    for (int i = 0; running.get(); i++) {
                        Decision d = service.screener().screen(new CallAttempt(HOTLINE, "+12155550100", List.of(), null,
                                "from-carrier", "flip-" + thread + "-" + i, null), Deadline.in(Duration.ofSeconds(1)));
                        outcomes.computeIfAbsent(d.action().token() + " " + d.reason(), k -> new LongAdder()).increment();
                    }
                    return null;
                }));
            }
            long reloadsOk = 1;
            try {
            for (int round = 0; round < 8; round++) {
                for (String broken : BROKEN) {
                    replace(policy, broken);
                    Thread.sleep(60);
                }
                replace(policy, round % 2 == 0 ? ALLOWING : REJECTING);
                reloadsOk++;
                awaitProtectedEntries(service, round % 2 == 0 ? 0 : 1); // B, then A
            }
            } finally {
                running.set(false); // a failure above must not leave the callers spinning (closing callers waits for them)
            }
            for (Future<?> f : loops) {
                f.get();
            }
            int port = service.metrics().port();
            assertTrue(MetricsScrape.value(port, "stirshield_policy_reloads_total{result=\"error\"}") >= 8,
                    "broken versions refused and counted");
            assertTrue(MetricsScrape.value(port, "stirshield_policy_reloads_total{result=\"ok\"}") >= reloadsOk,
                    "every valid version loaded (a change seen by both the watcher and the poll may load twice)");
        } finally {
            service.close();
        }
        assertEquals(1, service.policy().current().size(), "the last valid policy (A) is in force");
        // under A: rejected as inbound_only; under B: not protected, allowed. Nothing else, ever.
        assertEquals(java.util.Set.of("reject inbound_only", "allow missing_identity"), outcomes.keySet(), outcomes.toString());
        assertTrue(outcomes.values().stream().allMatch(n -> n.sum() > 0));
    }

    /** Replaces the file the way an operator's tooling does: whole, by rename. */
    private static void replace(Path file, String content) throws Exception {
        Path tmp = Files.writeString(file.resolveSibling(file.getFileName() + ".new"), content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void awaitProtectedEntries(StirShieldService s, int n) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (s.policy().current().size() != n && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertEquals(n, s.policy().current().size(), "the valid version was loaded");
    }
}
