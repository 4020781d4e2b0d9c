package org.stirshield.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.stirshield.agi.AgiClient;
import org.stirshield.audit.ReplayDetector;
import org.stirshield.cert.Credential;
import org.stirshield.cert.CredentialValidator;
import org.stirshield.cert.CrlSource;
import org.stirshield.cert.Deadline;
import org.stirshield.cert.RevocationMode;
import org.stirshield.cert.TrustAnchors;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.testing.RedisServer;
import org.stirshield.testing.SignedCarrier;
import redis.clients.jedis.Jedis;

/**
 * The figures of docs/high-availability.md's capacity section, measured in one run on this machine, with
 * OpenSSL's ECDSA P-256 verify rate as the reference: {@code scripts/bench --capacity}.
 *
 * <ul>
 *   <li>CPU per call of a real {@code serve} process (read from /proc, so the client's work is not counted), for
 *       signed calls (fresh PASSporT each, certificate cached) with replay detection in memory and in a shared
 *       redis-server, and for unsigned calls; calls/s per core = 1 / CPU per call;</li>
 *   <li>the redis-server's CPU per call and its memory per remembered PASSporT (INFO used_memory);</li>
 *   <li>heap per remembered PASSporT (ReplayDetector) and per cached certificate (a validated Credential);</li>
 *   <li>instances for a busy-hour rate, and the shared store's size at N calls/s with a 60 s window.</li>
 * </ul>
 * Run it on a quiet machine: the figures are CPU time, robust to some noise, but a loaded machine inflates
 * them (cache misses, frequency). Arguments: {@code [calls per variant, default 20000]}.
 */
public final class Capacity {
    private static final long CLK_TCK = 100; // Linux USER_HZ
    private static final int CONCURRENCY = 8;

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Path dir = Files.createTempDirectory("stirshield-capacity");
        System.out.println("# StirShield capacity, " + Instant.now());
        System.out.println(machine());
        System.out.printf(Locale.ROOT, "reference: openssl speed ecdsap256 verify/s (1 core): %s%n", opensslVerify());
        System.out.println();

        SignedCarrier carrier = new SignedCarrier(dir);
        System.out.println("| variant (serve process, " + CONCURRENCY + " calls in flight) | serve CPU ms/call | calls/s per core"
                + " | redis CPU ms/call | wall calls/s |");
        System.out.println("|---|---|---|---|---|");
        double signedMemory = wholeCall(dir, carrier, "signed, replay in memory", null, calls, true);
        double signedRedis;
        try (RedisServer redis = RedisServer.start(dir)) {
            signedRedis = wholeCall(dir, carrier, "signed, replay in shared Redis", redis, calls, true);
        }
        wholeCall(dir, carrier, "unsigned (NO_IDENTITY)", null, calls, false);
        System.out.println();

        double perPassport = heapPerRememberedPassport();
        double perCert = heapPerCachedCertificate();
        System.out.printf(Locale.ROOT, "heap per remembered PASSporT (one call each): %.0f bytes%n", perPassport);
        System.out.printf(Locale.ROOT, "heap per cached certificate (validated 2-certificate chain): %.0f bytes%n", perCert);
        double redisPerKey;
        double redisOpsPerCore;
        try (RedisServer redis = RedisServer.start(dir)) {
            double[] r = redisStore(redis, Math.max(20_000, calls));
            redisPerKey = r[0];
            redisOpsPerCore = r[1];
        }
        System.out.printf(Locale.ROOT, "redis memory per remembered PASSporT (used_memory / keys): %.0f bytes%n", redisPerKey);
        System.out.printf(Locale.ROOT, "redis-server replay operations/s per core (CPU time): %.0f%n", redisOpsPerCore);
        System.out.println();

        System.out.println("| busy-hour rate | instances (50 % CPU on 2 cores each, +1 spare) | memory store entries"
                + " (peak_rate x 121 s) | heap for them | shared store keys at 60 s | shared store memory |");
        System.out.println("|---|---|---|---|---|---|");
        double cpuMs = Math.max(signedMemory, signedRedis);
        for (int rate : new int[] {100, 500, 1000, 5000, 10_000}) {
            int instances = (int) Math.ceil(rate * cpuMs / 1000.0 / (2 * 0.5)) + 1;
            long entries = rate * 121L;
            long keys = rate * 60L;
            System.out.printf(Locale.ROOT, "| %,d calls/s | %d | %,d | %.0f MB | %,d | %.0f MB |%n", rate, instances,
                    entries, entries * perPassport / 1e6, keys, keys * redisPerKey / 1e6);
        }
        System.out.println();
        System.out.println("(keys/s into the shared store = calls/s with a verified PASSporT; one script call each)");
    }

    private static String machine() throws IOException {
        String model = "?";
        for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (l.startsWith("model name")) {
                model = l.substring(l.indexOf(':') + 1).trim();
                break;
            }
        }
        return "machine: " + Runtime.getRuntime().availableProcessors() + " cores, " + model + ", JDK "
                + System.getProperty("java.version") + ", load average at start "
                + Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    private static String opensslVerify() {
        try {
            Process p = new ProcessBuilder("openssl", "speed", "-seconds", "3", "ecdsap256").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("256 bits ecdsa \\(nistp256\\)\\s+\\S+s\\s+\\S+s\\s+([0-9.]+)\\s+([0-9.]+)").matcher(out);
            return m.find() ? String.format(Locale.ROOT, "%.0f", Double.parseDouble(m.group(2))) : "not measured";
        } catch (IOException | InterruptedException e) {
            return "not measured (" + e + ")";
        }
    }

    /** Runs a serve process, warms it up, measures its CPU over {@code calls} calls; returns ms per call. */
    private static double wholeCall(Path dir, SignedCarrier carrier, String name, RedisServer redis, int calls,
            boolean signed) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String tag = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z]+", "-");
        Path config = carrier.config("capacity-" + tag, """
                server: {listen: "127.0.0.1:%d", allow: [127.0.0.1/32]}
                audit:
                  file: "%s"
                  replay: {store: %s}
                """.formatted(port, dir.resolve(tag + "-audit.jsonl"), redis == null ? "memory" : redis.url(0)));
        Files.writeString(config, Files.readString(config).replace("metrics: {listen: \"127.0.0.1:0\"}",
                "metrics: {enabled: false}"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve(tag + ".log");
        Process serve = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "org.stirshield.cli.Main", "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("listening on")) {
                if (!serve.isAlive() || System.nanoTime() > end) {
                    throw new IOException("serve did not start: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
            InetSocketAddress a = new InetSocketAddress("127.0.0.1", port);
            drive(a, carrier, Math.max(2000, calls / 4), signed, "w"); // warm-up: JIT, certificate cache
            long redisBefore = redis == null ? 0 : cpuTicks(redisPid(redis));
            long before = cpuTicks(serve.pid());
            long t0 = System.nanoTime();
            long failed = drive(a, carrier, calls, signed, "m");
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpuMs = (cpuTicks(serve.pid()) - before) * 1000.0 / CLK_TCK / calls;
            String redisMs = "-";
            if (redis != null) {
                long keys;
                try (Jedis j = redis.client()) {
                    keys = j.dbSize();
                }
                // each verified call adds one key: fewer means calls fell back to memory (a loaded machine)
                redisMs = String.format(Locale.ROOT, "%.3f (%d of %d calls reached the store)",
                        (cpuTicks(redisPid(redis)) - redisBefore) * 1000.0 / CLK_TCK / calls, keys,
                        calls + Math.max(2000, calls / 4));
            }
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.0f | %s | %.0f%s |%n", name, cpuMs, 1000 / cpuMs, redisMs,
                    calls / wall, failed == 0 ? "" : " (" + failed + " failed)");
            return cpuMs;
        } finally {
            serve.destroy();
            serve.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** {@code n} calls, {@link #CONCURRENCY} at a time, each with its own fresh PASSporT; returns failures. */
    private static long drive(InetSocketAddress a, SignedCarrier carrier, int n, boolean signed, String prefix)
            throws InterruptedException {
        List<String> identities = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            identities.add(signed ? carrier.identity() : "");
        }
        AtomicLong failed = new AtomicLong();
        String base = prefix + System.nanoTime();
        inParallel(n, idx -> {
            AgiClient.Call c = AgiClient.call(a, "verify", SignedCarrier.CALLER, SignedCarrier.CALLED,
                    "from-carrier", List.of(identities.get(idx))).with("agi_uniqueid", base + "." + idx);
            AgiClient.Result r = AgiClient.run(a, c, Duration.ofSeconds(10));
            if (!r.completed() || r.variables().get("STIR_STATUS") == null) {
                failed.incrementAndGet();
            }
        });
        return failed.get();
    }

    /** Runs {@code task(0..n-1)}, {@link #CONCURRENCY} at a time, on virtual threads. */
    private static void inParallel(int n, java.util.function.IntConsumer task) throws InterruptedException {
        Semaphore inFlight = new Semaphore(CONCURRENCY);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int idx = i;
                inFlight.acquire();
                pool.execute(() -> {
                    try {
                        task.accept(idx);
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
    }

    /** utime + stime of a process, in clock ticks. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
    }

    private static long redisPid(RedisServer redis) {
        try (Jedis j = redis.client()) {
            String info = j.info("server");
            Matcher m = Pattern.compile("process_id:(\\d+)").matcher(info);
            if (!m.find()) {
                throw new IllegalStateException("no process_id in INFO");
            }
            return Long.parseLong(m.group(1));
        }
    }

    private static double heapPerRememberedPassport() {
        int n = 200_000;
        long before = usedHeap();
        ReplayDetector d = new ReplayDetector(Duration.ofMinutes(10), n);
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            d.observe(String.format("%064x", i), "1764000000." + i, now);
        }
        long after = usedHeap();
        if (d.size() != n) {
            throw new IllegalStateException("size " + d.size());
        }
        return (after - before) / (double) n;
    }

    private static double heapPerCachedCertificate() throws Exception {
        int n = 1000;
        CertificateAuthority root = CertificateAuthority.root("Capacity STI-CA");
        CertificateAuthority issuing = root.intermediate("Capacity Issuing");
        CredentialValidator validator = new CredentialValidator(TrustAnchors.of(List.of(root.certificate())),
                CrlSource.none(), RevocationMode.IF_AVAILABLE);
        List<byte[]> bodies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            LeafCertificate leaf = issuing.issueLeaf(LeafSpec.spc(Integer.toString(1000 + i)));
            bodies.add(leaf.chainPem().getBytes(StandardCharsets.US_ASCII));
        }
        long before = usedHeap();
        List<Credential> kept = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            kept.add(validator.validate("https://cert" + i + ".example/sti.pem", bodies.get(i), Instant.now(),
                    Deadline.none()));
        }
        long after = usedHeap();
        if (kept.size() != n) {
            throw new IllegalStateException();
        }
        return (after - before) / (double) n;
    }

    /** Returns {bytes per key, operations/s per redis core}. */
    private static double[] redisStore(RedisServer redis, int n) throws Exception {
        long memBefore;
        try (Jedis j = redis.client()) {
            memBefore = usedMemory(j);
        }
        Path cfg = Files.createTempFile("replay", ".yaml");
        Files.writeString(cfg, "store: " + redis.url(0) + "\ntimeout: 500ms\n");
        var settings = org.stirshield.audit.ReplaySettings.from(
                new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                        .readTree(cfg.toFile()),
                new org.stirshield.audit.ReplayWindow(Duration.ofSeconds(60), Duration.ofSeconds(60)));
        long pid = redisPid(redis);
        try (var detection = org.stirshield.audit.ReplayDetection.start(settings)) {
            long cpu0 = cpuTicks(pid);
            Instant now = Instant.now();
            inParallel(n, idx -> detection.observe(String.format("%064x", idx), "1764000000." + idx,
                    now.getEpochSecond(), now, Deadline.none()));
            double cpuSeconds = (cpuTicks(pid) - cpu0) / (double) CLK_TCK;
            if (detection.mode() != org.stirshield.audit.ReplayDetection.Mode.SHARED) {
                throw new IllegalStateException("the store fell back during the measurement: " + detection.describe());
            }
            try (Jedis j = redis.client()) {
                long keys = j.dbSize();
                return new double[] {(usedMemory(j) - memBefore) / (double) keys, n / Math.max(cpuSeconds, 1e-3)};
            }
        }
    }

    private static long usedMemory(Jedis j) {
        Matcher m = Pattern.compile("used_memory:(\\d+)").matcher(j.info("memory"));
        if (!m.find()) {
            throw new IllegalStateException("no used_memory");
        }
        return Long.parseLong(m.group(1));
    }

    private static long usedHeap() {
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
