package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code ./stirshield bench} works end to end (short runs: the figures themselves are measured on a quiet
 * machine, docs/performance.md): it starts the server in its own JVM, plays Asterisk over real FastAGI
 * sessions, reads the server's CPU time, and ends with {@code calls/s: N}.
 */
class BenchCommandTest {

    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.run(args);
        } finally {
            System.setOut(old);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, text);
        return text;
    }

    @Test
    void signedCallsAtAFixedRateAgainstItsOwnServer() {
        String out = run("bench", "--signed", "--rate", "50", "--warmup", "5", "--duration", "3", "--no-reference");
        Matcher row = Pattern.compile("stirshield serve +(\\d+) +[0-9.]+ +[0-9.]+ +[0-9.]+ +(\\d+) +(\\d+) +([0-9.]+) \\(")
                .matcher(out);
        assertTrue(row.find(), out);
        assertEquals("0", row.group(2), "no errors: " + out);
        assertEquals("0", row.group(3), "every call PASS (a fresh PASSporT each): " + out);
        assertTrue(Double.parseDouble(row.group(4)) > 0, "the server's CPU time per call is read: " + out);
        assertTrue(out.strip().matches("(?s).*\\ncalls/s: \\d+$"), "ends with calls/s: N\n" + out);
        int callsPerSecond = Integer.parseInt(out.strip().replaceAll("(?s).*calls/s: ", ""));
        assertTrue(callsPerSecond >= 40 && callsPerSecond <= 60, "the offered rate: " + out);
    }

    @Test
    void theReferenceAndTheFloorAreMeasuredInTheSameRun() {
        String out = run("bench", "--unsigned", "--rate", "200", "--warmup", "4", "--duration", "3", "--floor", "nio,threads");
        for (String server : new String[] {"stirshield serve", "asterisk-java DefaultAgiServer",
            "floor: minimal responder \\(nio\\)", "floor: minimal responder \\(threads\\)"}) {
            // calls/s p50 p99 p999 errors unexpected CPU (usr+sys) in-flight max/mean, bench CPU
            Matcher row = Pattern.compile(server + " +(\\d+) +[0-9.]+ +[0-9.]+ +[0-9.]+ +(\\d+) +(\\d+) +([0-9.]+) \\([0-9.]+\\+[0-9.]+\\)"
                    + " +(\\d+)/([0-9.]+) +([0-9.]+)").matcher(out);
            assertTrue(row.find(), server + ":\n" + out);
            assertEquals("0", row.group(2), "no errors: " + out);
            assertEquals("0", row.group(3), "the expected STIR_STATUS (NO_IDENTITY): " + out);
            assertTrue(Double.parseDouble(row.group(4)) > 0, "the server's CPU per call: " + out);
            int max = Integer.parseInt(row.group(5));
            // (how many depends on the machine's load: a cold server on a busy machine falls behind and holds
            // more; the load generator never holds more than its bound)
            assertTrue(max >= 1 && max <= 4096, "sessions in flight: " + out);
            assertTrue(Double.parseDouble(row.group(6)) <= max, out);
            assertTrue(Double.parseDouble(row.group(7)) > 0, "the load generator's own CPU per call: " + out);
        }
        assertTrue(out.contains("floor: accepts, reads the environment block"), out);
        assertTrue(out.strip().matches("(?s).*\\ncalls/s: \\d+$"), out);
    }

    @Test
    void aColdCertificateIsFetchedOnceForABurstOfCalls() {
        String out = run("bench", "--cold", "--concurrency", "50");
        Matcher m = Pattern.compile("cold x5u: 50 calls, (\\d+) fetch\\(es\\) of the certificate, (\\d+) answered, (\\d+) PASS")
                .matcher(out);
        assertTrue(m.find(), out);
        assertEquals("1", m.group(1), "one fetch for the burst: " + out);
        assertEquals("50", m.group(2), out);
        assertEquals("50", m.group(3), out);
    }

    @Test
    void conflictingOptionsAreRefused() {
        assertEquals(2, Main.run("bench", "--cold", "--unsigned"));
        assertEquals(2, Main.run("bench", "--server", "nonsense:port"));
        assertEquals(2, Main.run("bench", "--server-cpus", "one"));
        assertEquals(2, Main.run("bench", "--server-cpus", "1;rm"));
        assertEquals(2, Main.run("bench", "--server-cpus", "0", "--server", "127.0.0.1:4573"));
    }

    /** --server-cpus: the servers run through taskset on the CPUs given; /proc says where each one could run. */
    @Test
    void theServersRunOnTheCpusGiven() {
        String last = Integer.toString(Runtime.getRuntime().availableProcessors() - 1);
        String out = run("bench", "--unsigned", "--rate", "50", "--warmup", "3", "--duration", "2", "--no-reference",
                "--server-cpus", last);
        assertTrue(out.contains("CPUs: the servers on " + last + " (taskset -c), the load generator on "), out);
        assertTrue(out.contains("CPUs each server ran on: stirshield serve " + last + "\n"), out);
        Matcher row = Pattern.compile("stirshield serve +(\\d+) +[0-9.]+ +[0-9.]+ +[0-9.]+ +(\\d+) ").matcher(out);
        assertTrue(row.find(), out);
        assertEquals("0", row.group(2), "no errors: " + out);
    }
    /** A bench stopped by SIGTERM (or Ctrl-C) stops the servers it started: none is left on its port. */
    @Test
    void aBenchStoppedBySigtermLeavesNoServerBehind() throws Exception {
        java.nio.file.Path log = java.nio.file.Files.createTempFile("bench-sigterm", ".log");
        Process bench = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "bench", "--unsigned", "--rate", "50",
                "--warmup", "60", "--duration", "60", "--no-reference")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ProcessHandle server = null;
        try {
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (server == null && System.nanoTime() - end < 0 && bench.isAlive()) {
                server = bench.descendants().filter(BenchCommandTest::isServe).findFirst().orElse(null);
                Thread.sleep(50);
            }
            assertTrue(server != null, "the bench started its server: " + java.nio.file.Files.readString(log));
            bench.destroy(); // SIGTERM
            assertTrue(bench.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the bench exits");
            ProcessHandle started = server;
            end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (started.isAlive() && System.nanoTime() - end < 0) {
                Thread.sleep(50);
            }
            assertTrue(!started.isAlive(), "the server " + started.pid() + " is stopped with the bench");
        } finally {
            bench.destroyForcibly();
            if (server != null) {
                server.destroyForcibly(); // no longer the bench's child once the bench is gone
            }
            java.nio.file.Files.deleteIfExists(log);
        }
    }
    /** Whether the process runs {@code stirshield serve} (its command line, from /proc). */
    private static boolean isServe(ProcessHandle h) {
        try {
            return java.util.Arrays.asList(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + h.pid() + "/cmdline"))
                    .split("\0")).contains("serve");
        } catch (java.io.IOException gone) {
            return false;
        }
    }
}
