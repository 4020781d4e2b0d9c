package org.stirshield.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.stirshield.policy.Decision;
import org.stirshield.policy.Policy;
import org.stirshield.policy.PolicyLoader;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/**
 * Policy lookup with 1,000,000 protected entries loaded from a generated CSV through the real loader
 * (990,000 exact numbers, 9,000 ranges of 100 numbers, 1,000 prefixes).
 *
 * <pre>
 * ./mvnw -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) org.openjdk.jmh.Main PolicyLookupBench
 * java -Xmx2g -cp ... org.stirshield.bench.PolicyLookupBench   # load time and heap (main below)
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class PolicyLookupBench {
    @Param({"1000000"})
    public int entries;

    Policy policy;
    String[] hits;
    String[] misses;
    String[] rangeHits;
    int i;
    final CallAttempt call = CallAttempt.of("+4420", "15551230000", List.of());

    @Setup
    public void setup() throws IOException, Exception {
        Path dir = Files.createTempDirectory("policybench");
        Path yaml = generate(dir, entries);
        policy = PolicyLoader.load(yaml);
        Random rnd = new Random(7);
        hits = new String[4096];
        misses = new String[4096];
        rangeHits = new String[4096];
        for (int k = 0; k < hits.length; k++) {
            hits[k] = exact(rnd.nextInt(exactCount(entries)));
            misses[k] = Long.toString(442_000_000_000L + (long) rnd.nextInt(exactCount(entries)) * 7 + 3);
            rangeHits[k] = Long.toString(49_300_000_000L + (long) rnd.nextInt(rangeCount(entries)) * 1000
                    + rnd.nextInt(100));
        }
    }

    static int rangeCount(int n) {
        return n * 9 / 1000;
    }

    static int prefixCount(int n) {
        return n / 1000;
    }

    static int exactCount(int n) {
        return n - rangeCount(n) - prefixCount(n);
    }

    /** The k-th exact number: spread over +44 20 numbers. */
    static String exact(int k) {
        return Long.toString(442_000_000_000L + (long) k * 7);
    }

    public static Path generate(Path dir, int n) throws IOException {
        Path csv = dir.resolve("numbers.csv");
        try (BufferedWriter w = Files.newBufferedWriter(csv)) {
            w.write("number_or_prefix,agency,policy\n");
            for (int k = 0; k < exactCount(n); k++) {
                w.write("+" + exact(k) + ",Agency " + (k % 500) + ",p" + (k % 4) + "\n");
            }
            for (int k = 0; k < rangeCount(n); k++) {
                long s = 49_300_000_000L + (long) k * 1000;
                w.write("+" + s + "..+" + (s + 99) + ",Range agency " + (k % 100) + ",p1\n");
            }
            for (int k = 0; k < prefixCount(n); k++) {
                w.write("+86" + (10_000 + k) + "*,Prefix agency " + (k % 50) + ",p2\n");
            }
        }
        Path yaml = dir.resolve("policy.yaml");
        Files.writeString(yaml, """
                policies:
                  p0: {min_attest: A}
                  p1: {min_attest: B, on_failure: tag}
                  p2: {inbound_only: true}
                  p3: {allowed_signers: {spc: [GOOD]}}
                csv: numbers.csv
                """);
        return yaml;
    }

    @Benchmark
    public ProtectedMatch lookupExactHit() {
        return policy.lookup(hits[i++ & 4095]);
    }

    @Benchmark
    public ProtectedMatch lookupRangeHit() {
        return policy.lookup(rangeHits[i++ & 4095]);
    }

    @Benchmark
    public ProtectedMatch lookupMiss() {
        return policy.lookup(misses[i++ & 4095]);
    }

    @Benchmark
    public Decision decideProtectedFailure() {
        String tn = hits[i++ & 4095];
        return policy.decide(call, new Verdict(Verdict.Status.FAIL, null, Reason.BAD_SIGNATURE, null, null, null,
                null, null, null, null, tn, "15551230000", List.of()), 0, "Name");
    }

    /** Load time and retained heap of a 1,000,000-entry policy. */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Files.createTempDirectory("policymem");
        Path yaml = generate(dir, n);
        System.out.printf("CSV: %d entries, %.1f MB%n", n, Files.size(dir.resolve("numbers.csv")) / 1e6);
        for (int round = 0; round < 3; round++) {
            long before = usedAfterGc();
            long t0 = System.nanoTime();
            Policy p = PolicyLoader.load(yaml);
            long loadMs = (System.nanoTime() - t0) / 1_000_000;
            long after = usedAfterGc();
            System.out.printf("round %d: load %d ms, %d entries, retained heap %.1f MB (%.1f bytes/entry)%n",
                    round, loadMs, p.size(), (after - before) / 1e6, (after - before) / (double) p.size());
            if (p.lookup(exact(12345)) == null) {
                throw new AssertionError("lookup failed");
            }
        }
        // A plain timing loop (best of 7 rounds: the machine is shared, the best round is the least disturbed).
        Policy p = PolicyLoader.load(yaml);
        Random rnd = new Random(1);
        int m = 1 << 20;
        String[][] sets = new String[3][m];
        for (int k = 0; k < m; k++) {
            sets[0][k] = exact(rnd.nextInt(exactCount(n)));
            sets[1][k] = Long.toString(49_300_000_000L + (long) rnd.nextInt(rangeCount(n)) * 1000 + rnd.nextInt(100));
            sets[2][k] = Long.toString(442_000_000_000L + (long) rnd.nextInt(exactCount(n)) * 7 + 3); // same length, absent
        }
        String[] names = {"exact hit", "range hit", "miss"};
        for (int s = 0; s < 3; s++) {
            long best = Long.MAX_VALUE;
            int found = 0;
            for (int round = 0; round < 7; round++) {
                long t0 = System.nanoTime();
                found = 0;
                for (String tn : sets[s]) {
                    found += p.lookup(tn) == null ? 0 : 1;
                }
                best = Math.min(best, System.nanoTime() - t0);
            }
            System.out.printf("lookup %s: %.0f ns (best of 7 rounds of %d random lookups; %d matched)%n", names[s],
                    best / (double) m, m, found);
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        var mem = ManagementFactory.getMemoryMXBean();
        for (int k = 0; k < 4; k++) {
            System.gc();
            Thread.sleep(100);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }
}
