package org.stirshield.bench;

import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.stirshield.audit.AuditLog;
import org.stirshield.audit.AuditReport;
import org.stirshield.audit.AuditSettings;
import org.stirshield.audit.StageTimings;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/**
 * Audit write throughput, end to end: N records from T threads through {@link AuditLog} (queue, single
 * writer, JSON, logback rolling file) until {@code close()} has written the last one; then the report's read
 * rate over the same file. Not a unit test (excluded from surefire). Run:
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) org.stirshield.bench.AuditThroughput [N] [DIR]}
 */
public final class AuditThroughput {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        Path base = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("audit-bench");
        Decision d = decision();
        for (int round = 0; round < 2; round++) { // round 0 warms up the JIT
            for (int threads : new int[] {1, 4, 16}) {
                Path dir = Files.createTempDirectory(base, "t" + threads);
                Path file = dir.resolve("audit.jsonl");
                double rate = write(AuditSettings.defaults(file).withQueue(65_536, Duration.ofSeconds(10)), d, n, threads);
                long bytes = 0;
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        bytes += Files.size(p); // the active file and any rolled at 100 MiB
                    }
                }
                if (round == 1) {
                    System.out.printf("write: %d threads: %,.0f records/s (%,d records, %.0f bytes/record)%n", threads,
                            rate, n, (double) bytes / n);
                }
                if (round == 1 && threads == 1) {
                    long t0 = System.nanoTime();
                    var mx = java.lang.management.ManagementFactory.getThreadMXBean();
                    long cpu0 = mx.getCurrentThreadCpuTime();
                    List<Path> all;
                    try (var files = Files.list(dir)) {
                        all = files.sorted().toList();
                    }
                    var sum = AuditReport.write(all, null, null, AuditReport.Format.TEXT, 20, Writer.nullWriter());
                    double s = (System.nanoTime() - t0) / 1e9;
                    double cpu = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
                    System.out.printf("report (text) read: %,.0f records/s wall, %,.0f records/s per CPU-second "
                            + "(%.1f MB/s wall, %d records)%n", n / s, n / cpu, bytes / s / 1e6, sum.records());
                }
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(dir);
            }
        }
    }

    private static double write(AuditSettings s, Decision d, int n, int threads) throws Exception {
        AtomicInteger next = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        AuditLog log = AuditLog.open(s);
        StageTimings t = new StageTimings(812, 14, 901);
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (next.getAndIncrement() < n) {
                    log.record(d, t, Instant.now());
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
        if (log.written() != n || log.dropped() != 0) {
            throw new AssertionError("written " + log.written() + " dropped " + log.dropped());
        }
        return n / secs;
    }

    private static Decision decision() {
        String x5u = "https://cert.cheapvoip.example/sti/0666.pem";
        CallAttempt call = new CallAttempt("+861012308", "0312345678", List.of("x"), null, "intl-gw-3",
                "1763912345.1234", "PJSIP/intl-gw-3-0000a1b2");
        Verdict v = new Verdict(Verdict.Status.FAIL, null, Reason.BAD_SIGNATURE, x5u, "4437c7eb-8f92-4e7b-9fbe-5e7fd3b9bd45",
                "0666", "cd".repeat(32), Instant.now().getEpochSecond() - 2, "ab".repeat(32), null, "+861012308",
                "+81312345678", List.of(new Verdict.HeaderResult(0, "shaken", Reason.BAD_SIGNATURE, "A", x5u,
                        "ES256 signature does not verify")));
        return new Decision(call, v, new ProtectedMatch("+861012308", "Consular hotline", "strict"), "FAIL",
                Action.REJECT, "bad_signature", 438, null, 0);
    }
}
