package org.stirshield.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.verify.Reason;

/** Hot reload: atomic swaps under load, refused invalid versions, file watching, SIGHUP. */
class ReloadingPolicyTest {
    private static final int NUMBERS = 300;

    @TempDir
    Path dir;

    record Event(boolean ok, String detail) {
    }

    private static String tn(int i) {
        return Long.toString(15550200000L + i);
    }

    /** Version {@code v}: every entry (YAML and CSV) and the tag carry the version. */
    private Path writeVersion(int v) throws Exception {
        StringBuilder csv = new StringBuilder("number_or_prefix,agency,policy\n");
        for (int i = 1; i < NUMBERS; i++) {
            csv.append('+').append(tn(i)).append(",Agency v").append(v).append(",p\n");
        }
        Path tmp = dir.resolve("numbers.csv.tmp");
        Files.writeString(tmp, csv);
        Files.move(tmp, dir.resolve("numbers.csv"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return TestCalls.write(dir, "policy.yaml", """
                version: "v%d"
                policies:
                  p: {on_failure: tag, tag: "[v%d] "}
                protected:
                  - {number: "+%s", agency: "Agency v%d", policy: p}
                csv: numbers.csv
                """.formatted(v, v, tn(0), v));
    }

    private void writeInvalidCsv() throws Exception {
        TestCalls.write(dir, "numbers.csv", "number_or_prefix,agency,policy\n+15550200001,A,p\n+1555O200002,A,p\n");
    }

    @Test
    void validAndInvalidReloadsUnderLoadNeverShowAHalfLoadedPolicy() throws Exception {
        Path file = writeVersion(1);
        List<Event> events = new ArrayList<>();
        try (ReloadingPolicy rp = ReloadingPolicy.open(new PolicySettings(file, false, Duration.ofSeconds(60),
                Duration.ZERO))) {
            rp.addListener((ok, detail) -> events.add(new Event(ok, detail)));
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            AtomicLong decisions = new AtomicLong();
            java.util.Set<Integer> versionsSeen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread th = new Thread(() -> {
                    int lastVersion = 0;
                    while (!stop.get()) {
                        String n = tn(ThreadLocalRandom.current().nextInt(NUMBERS));
                        Decision d = rp.decide(TestCalls.call(null), TestCalls.fail(n, Reason.BAD_SIGNATURE), 0, "X");
                        decisions.incrementAndGet();
                        if (d.match() == null) {
                            problems.add("no match for " + n);
                            continue;
                        }
                        int v = Integer.parseInt(d.match().agency().substring("Agency v".length()));
                        if (!d.callerName().equals("[v" + v + "] X")) {
                            problems.add("mixed versions: " + d.match().agency() + " / " + d.callerName());
                        }
                        if (v < lastVersion) {
                            problems.add("went back from v" + lastVersion + " to v" + v);
                        }
                        lastVersion = v;
                        versionsSeen.add(v);
                    }
                });
                th.start();
                threads.add(th);
            }
            int okReloads = 0;
            int refused = 0;
            int inForce = 1;
            for (int v = 2; v <= 25; v++) {
                if (v % 4 == 0) {
                    writeInvalidCsv();
                    assertFalse(rp.reload());
                    refused++;
                    assertTrue(rp.current().summary().endsWith("version v" + inForce), rp.current().summary());
                    assertNotNull(rp.lookup(tn(NUMBERS - 1)), "the old policy stays in force");
                } else {
                    writeVersion(v);
                    assertTrue(rp.reload());
                    okReloads++;
                    inForce = v;
                }
                Thread.sleep(5); // let the deciding threads run against this version
            }
            stop.set(true);
            for (Thread th : threads) {
                th.join(10_000);
            }
            assertTrue(problems.isEmpty(), () -> problems.size() + " problems, e.g. " + problems.peek());
            assertTrue(decisions.get() > 1000, "decisions: " + decisions.get());
            assertTrue(versionsSeen.size() > 1, "versions seen: " + versionsSeen);
            assertEquals(okReloads + refused, events.size());
            Event firstRefused = events.get(2); // v4
            assertFalse(firstRefused.ok());
            assertTrue(firstRefused.detail().contains("numbers.csv:3: not an E.164 number"), firstRefused.detail());
            assertEquals("Agency v25", rp.lookup(tn(7)).agency());
        }
    }

    @Test
    void fileChangesAreWatchedAndInvalidVersionsRefused() throws Exception {
        Path file = writeVersion(1);
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        try (ReloadingPolicy rp = ReloadingPolicy.open(new PolicySettings(file, true, Duration.ofMillis(250),
                Duration.ofMillis(50)))) {
            rp.addListener((ok, detail) -> events.add(new Event(ok, detail)));
            rp.start();
            writeVersion(2);
            Event e = events.poll(20, TimeUnit.SECONDS);
            assertNotNull(e, "no reload after the files changed");
            assertTrue(e.ok(), e.detail());
            awaitQuiet(events);
            assertEquals("Agency v2", rp.lookup(tn(5)).agency());

            writeInvalidCsv(); // only the CSV changes
            e = events.poll(20, TimeUnit.SECONDS);
            assertNotNull(e, "no reload after the CSV changed");
            assertFalse(e.ok());
            assertTrue(e.detail().contains("numbers.csv:3:"), e.detail());
            awaitQuiet(events);
            assertEquals("Agency v2", rp.lookup(tn(5)).agency(), "the old policy stays in force");

            writeVersion(3);
            Event last = events.poll(20, TimeUnit.SECONDS);
            assertNotNull(last);
            awaitQuiet(events);
            assertEquals("Agency v3", rp.lookup(tn(5)).agency());
        }
    }

    /** Debounce and the poll may report one change twice; wait until nothing more arrives. */
    private static void awaitQuiet(BlockingQueue<Event> events) throws InterruptedException {
        while (events.poll(600, TimeUnit.MILLISECONDS) != null) {
            // drain
        }
    }

    @Test
    void sighupReloads() throws Exception {
        Path file = writeVersion(1);
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        try (ReloadingPolicy rp = ReloadingPolicy.open(new PolicySettings(file, false, Duration.ofSeconds(60),
                Duration.ZERO))) {
            rp.addListener((ok, detail) -> events.add(new Event(ok, detail)));
            rp.start();
            writeVersion(2);
            assertNull(events.poll(300, TimeUnit.MILLISECONDS), "watch is off: no reload without a trigger");
            assertEquals("Agency v1", rp.lookup(tn(5)).agency());
            assumeTrue(HupSignal.installed(), "SIGHUP cannot be handled on this platform");
            HupSignal.raise();
            Event e = events.poll(20, TimeUnit.SECONDS);
            assertNotNull(e, "no reload after SIGHUP");
            assertTrue(e.ok(), e.detail());
            assertEquals("Agency v2", rp.lookup(tn(5)).agency());
        }
    }

    @Test
    void requestReloadTriggerAndEmbeddedDefault() throws Exception {
        Path file = writeVersion(1);
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        try (ReloadingPolicy rp = ReloadingPolicy.open(new PolicySettings(file, false, Duration.ofSeconds(60),
                Duration.ofMillis(20)))) {
            rp.addListener((ok, detail) -> events.add(new Event(ok, detail)));
            rp.start();
            writeVersion(2);
            rp.requestReload();
            Event e = events.poll(20, TimeUnit.SECONDS);
            assertNotNull(e);
            assertTrue(e.ok());
            assertEquals("Agency v2", rp.lookup(tn(5)).agency());
        }
        try (ReloadingPolicy emb = ReloadingPolicy.open(PolicySettings.exampleOnly()).start()) {
            assertEquals("consular-hotline", emb.lookup("861012308").policy());
            assertTrue(emb.current().sources().isEmpty());
        }
        try (ReloadingPolicy none = ReloadingPolicy.open(PolicySettings.defaults()).start()) {
            assertNull(none.lookup("861012308"), "without a policy file nothing is protected");
            assertTrue(none.reload());
            assertNull(none.lookup("861012308"));
        }
    }

    @Test
    void invalidFileAtStartupIsAnError() throws Exception {
        writeVersion(1);
        writeInvalidCsv();
        PolicyException e = org.junit.jupiter.api.Assertions.assertThrows(PolicyException.class,
                () -> ReloadingPolicy.open(new PolicySettings(dir.resolve("policy.yaml"), true,
                        Duration.ofSeconds(1), Duration.ZERO)));
        assertEquals(3, e.line());
    }

    @Test
    void settingsFromTheConfigSection() throws Exception {
        Path conf = dir.resolve("stirshield.yaml");
        Files.writeString(conf, "policy:\n  file: p/policy.yaml\n  watch: false\n  poll_interval: 2s\n");
        PolicySettings s = PolicySettings.from(org.stirshield.config.ConfigValues.section(
                org.stirshield.config.ConfigValues.readYaml(conf), "policy"));
        assertEquals(dir.resolve("p/policy.yaml"), s.file(), "relative to the configuration file's directory");
        assertFalse(s.example());
        assertFalse(s.watch());
        assertEquals(Duration.ofSeconds(2), s.pollInterval());
        PolicySettings d = PolicySettings.from(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
        assertNull(d.file());
        assertFalse(d.example(), "no file is no policy, not the example");
        Files.writeString(conf, "policy: {file: example}\n");
        PolicySettings ex = PolicySettings.from(org.stirshield.config.ConfigValues.section(
                org.stirshield.config.ConfigValues.readYaml(conf), "policy"));
        assertTrue(ex.example());
        assertNull(ex.file());
        assertTrue(d.watch());
        assertEquals(PolicySettings.DEFAULT_POLL, d.pollInterval());
    }
}
