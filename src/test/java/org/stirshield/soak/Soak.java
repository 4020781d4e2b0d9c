package org.stirshield.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.stirshield.agi.AgiClient;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.Pem;
import org.stirshield.testing.FreePorts;

/**
 * A bounded soak of a real {@code serve} process: calls over FastAGI at a steady rate for a few minutes, a mix of
 * genuine, spoofed, replayed and malformed calls and calls whose x5u is a URL never seen before (each a fetch and a
 * negative-cache entry), while the process's heap, RSS, threads and file descriptors are sampled. At the end:
 * heap within -Xmx, RSS within the bound, no thread or descriptor growth after warm-up, and as many audit records
 * as calls answered. Run by {@code scripts/soak} (see docs/robustness.md); exit status 1 when a check fails.
 *
 * <pre>scripts/soak [--minutes 3] [--rate 100] [--heap 256m] [--max-rss-mb 600]</pre>
 */
public final class Soak {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROTECTED = "+12025550100";
    private static final String CALLED = "+12155550199";
    private static final String GENUINE_X5U = "https://certs.soak.example/carrier.pem";
    private static final String OTHER_X5U = "https://certs.soak.example/other-carrier.pem";

    record Sample(long second, long heapUsedKb, long rssKb, int threads, int fds, long calls) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        double minutes = Double.parseDouble(opt.getOrDefault("minutes", "3"));
        int rate = Integer.parseInt(opt.getOrDefault("rate", "100"));
        String heap = opt.getOrDefault("heap", "256m");
        long maxRssMb = Long.parseLong(opt.getOrDefault("max-rss-mb", "600"));
        Path dir = Files.createTempDirectory("stirshield-soak");
        System.out.printf("soak: %.1f min at %d calls/s, serve -Xmx%s, files in %s%n", minutes, rate, heap, dir);

        CertificateAuthority root = CertificateAuthority.root("Soak STI-CA");
        LeafCertificate carrier = root.issueLeaf(LeafSpec.spc("SOAK1"));
        LeafCertificate other = root.issueLeaf(LeafSpec.spc("OTHER"));
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        Files.writeString(dir.resolve("carrier.pem"), carrier.chainPem());
        Files.writeString(dir.resolve("other.pem"), other.chainPem());
        Files.writeString(dir.resolve("policy.yaml"), """
                policies:
                  agency: {min_attest: A, allowed_signers: {spc: [SOAK1]}, on_failure: reject, on_missing_identity: tag}
                protected:
                  - {range: ["+1 202 555 0100", "+1 202 555 0199"], agency: "Soak Agency", policy: agency}
                """);
        int[] ports = FreePorts.distinct(2);
        int agiPort = ports[0];
        int metricsPort = ports[1];
        try (ServerSocket dead = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> closeEach(dead)); // x5u server that hangs up at once
            Path config = dir.resolve("stirshield.yaml");
            Files.writeString(config, """
                    server: {listen: "127.0.0.1:%d", allow: [127.0.0.1/32], decision_deadline: 1s}
                    verification: {trust_dir: "%s"}
                    certificates:
                      permit_cidrs: ["127.0.0.0/8"]
                      allowed_ports: "*"
                      pinned: {"%s": "%s", "%s": "%s"}
                      cache: {max_entries: 2000, max_weight: 8MiB, negative_ttl: 30s}
                    policy: {file: "%s"}
                    audit: {file: "%s", replay: {peak_rate: %d}}
                    metrics: {listen: "127.0.0.1:%d"}
                    """.formatted(agiPort, dir.resolve("trust"), GENUINE_X5U, dir.resolve("carrier.pem"), OTHER_X5U,
                    dir.resolve("other.pem"), dir.resolve("policy.yaml"), dir.resolve("audit.jsonl"),
                    Math.max(2 * rate, 10), metricsPort));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process serve = new ProcessBuilder(java, "-Xmx" + heap, "-Djdk.httpclient.allowRestrictedHeaders=host",
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    "org.stirshield.cli.Main", "serve", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("serve.log").toFile()).start();
            try {
                awaitListening(serve, dir.resolve("serve.log"));
                int failures = run(serve, dir, agiPort, metricsPort, minutes, rate, maxRssMb, heap, carrier, other,
                        dead.getLocalPort());
                System.out.println(failures == 0 ? "soak: PASS" : "soak: FAIL (" + failures + " checks)");
                System.exit(failures == 0 ? 0 : 1);
            } finally {
                serve.destroyForcibly();
            }
        }
    }

    private static int run(Process serve, Path dir, int agiPort, int metricsPort, double minutes, int rate,
            long maxRssMb, String heap, LeafCertificate carrier, LeafCertificate other, int deadPort) throws Exception {
        InetSocketAddress agi = new InetSocketAddress("127.0.0.1", agiPort);
        long pid = serve.pid();
        Map<String, LongAdder> sent = new ConcurrentHashMap<>();
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        LongAdder answered = new LongAdder();
        LongAdder unanswered = new LongAdder();
        AtomicInteger seq = new AtomicInteger();
        String[] replayed = {sign(carrier, PROTECTED, GENUINE_X5U, "A")};
        long total = (long) (minutes * 60 * rate);
        List<Sample> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        long periodNanos = 1_000_000_000L / rate;
        ticker.scheduleAtFixedRate(() -> {
            int i = seq.getAndIncrement();
            if (i >= total) {
                return;
            }
            if (i % (rate * 30) == 0) { // a new replayed PASSporT every 30 s (within the freshness window)
                replayed[0] = sign(carrier, PROTECTED, GENUINE_X5U, "A");
            }
            String kind;
            String header;
            String caller = "+1202555" + String.format("%04d", 100 + i % 100);
            switch (i % 20) {
                case 0, 1, 2, 3, 4, 5, 6, 7 -> {
                    kind = "genuine";
                    header = sign(carrier, caller, GENUINE_X5U, "A");
                }
                case 8, 9 -> {
                    kind = "replayed";
                    caller = PROTECTED;
                    header = replayed[0];
                }
                case 10, 11, 12 -> {
                    kind = "spoofed"; // valid signature, but from a carrier the agency does not use
                    header = sign(other, caller, OTHER_X5U, "A");
                }
                case 13, 14, 15 -> {
                    kind = "malformed";
                    byte[] junk = new byte[ThreadLocalRandom.current().nextInt(1, 600)];
                    ThreadLocalRandom.current().nextBytes(junk);
                    header = Base64.getUrlEncoder().encodeToString(junk) + ";info=<" + GENUINE_X5U + ">";
                }
                default -> {
                    kind = "new_x5u";
                    caller = "+1415555" + String.format("%04d", i % 10_000);
                    header = sign(carrier, caller, "https://127.0.0.1:" + deadPort + "/u-" + i + ".pem", "A");
                }
            }
            sent.computeIfAbsent(kind, k -> new LongAdder()).increment();
            AgiClient.Call call = AgiClient.call(agi, "verify", caller, CALLED, "from-carrier", List.of(header))
                    .with("agi_uniqueid", "soak." + i);
            String k = kind;
            calls.execute(() -> {
                AgiClient.Result r = AgiClient.run(agi, call, Duration.ofSeconds(10));
                if (r.variables().containsKey("STIR_STATUS")) {
                    answered.increment();
                    outcomes.computeIfAbsent(k + " " + r.variables().get("STIR_ACTION") + " "
                            + r.variables().get("STIR_REASON"), x -> new LongAdder()).increment();
                } else {
                    unanswered.increment();
                }
            });
        }, 0, periodNanos, TimeUnit.NANOSECONDS);

        System.out.printf("%8s %12s %10s %8s %6s %9s%n", "second", "heap_used_kb", "rss_kb", "threads", "fds", "calls");
        while (seq.get() < total) {
            Thread.sleep(10_000);
            Sample s = sample(pid, (System.nanoTime() - t0) / 1_000_000_000L, answered.sum() + unanswered.sum());
            samples.add(s);
            System.out.printf("%8d %12d %10d %8d %6d %9d%n", s.second(), s.heapUsedKb(), s.rssKb(), s.threads(), s.fds(),
                    s.calls());
        }
        ticker.shutdown();
        calls.shutdown();
        calls.awaitTermination(60, TimeUnit.SECONDS);
        Thread.sleep(500); // the audit writer's last batch
        jcmd(pid, "GC.run");
        Sample last = sample(pid, (System.nanoTime() - t0) / 1_000_000_000L, answered.sum() + unanswered.sum());
        System.out.printf("%8s %12d %10d %8d %6d %9d  (after a full GC)%n", "end", last.heapUsedKb(), last.rssKb(),
                last.threads(), last.fds(), last.calls());
        String metrics = get(metricsPort, "/metrics");
        serve.destroy(); // SIGTERM: drain and close the audit log
        serve.waitFor(60, TimeUnit.SECONDS);

        Set<String> ids = new HashSet<>();
        long lines = 0;
        for (String line : Files.readAllLines(dir.resolve("audit.jsonl"))) {
            lines++;
            ids.add(JSON.readTree(line).get("unique_id").asText());
        }
        System.out.println("sent by kind: " + new TreeMap<>(sums(sent)));
        System.out.println("outcomes (kind action reason): " + new TreeMap<>(sums(outcomes)));
        for (String m : List.of("stirshield_audit_records_total", "stirshield_audit_dropped_total",
                "stirshield_replay_cache_entries", "stirshield_cert_fetch_no_slot_total")) {
            System.out.println(m + " " + value(metrics, m));
        }

        int failures = 0;
        Sample warm = samples.get(Math.min(samples.size() - 1, Math.max(0, samples.size() / 3)));
        failures += check(unanswered.sum() == 0, "every call answered (" + unanswered.sum() + " unanswered)");
        failures += check(lines == answered.sum() && ids.size() == lines,
                "audit records = calls answered (" + lines + " lines, " + ids.size() + " ids, " + answered.sum() + " calls)");
        failures += check(value(metrics, "stirshield_audit_dropped_total") == 0, "no audit record dropped");
        failures += check(last.heapUsedKb() <= parseSizeKb(heap), "heap after GC within -Xmx" + heap + " ("
                + last.heapUsedKb() / 1024 + " MiB)");
        long maxRss = samples.stream().mapToLong(Sample::rssKb).max().orElse(0);
        failures += check(maxRss <= maxRssMb * 1024, "RSS at most " + maxRssMb + " MiB (max " + maxRss / 1024 + " MiB)");
        failures += check(last.threads() <= warm.threads() + 8, "no thread growth after warm-up (" + warm.threads()
                + " at " + warm.second() + " s, " + last.threads() + " at the end)");
        failures += check(last.fds() <= warm.fds() + 8, "no file-descriptor growth after warm-up (" + warm.fds() + " at "
                + warm.second() + " s, " + last.fds() + " at the end)");
        return failures;
    }

    private static String sign(LeafCertificate key, String caller, String x5u, String attest) {
        String jws = PassportSigner.shaken(key.privateKey(), x5u, attest, caller.substring(1), List.of(CALLED.substring(1)),
                Instant.now().getEpochSecond(), java.util.UUID.randomUUID().toString());
        return PassportSigner.identityHeader(jws, x5u);
    }

    private static Sample sample(long pid, long second, long calls) throws Exception {
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        long rss = field(status, "VmRSS");
        int threads = (int) field(status, "Threads");
        int fds;
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) s.count();
        }
        Matcher m = Pattern.compile("used (\\d+)K").matcher(jcmd(pid, "GC.heap_info"));
        long heapUsed = m.find() ? Long.parseLong(m.group(1)) : -1;
        return new Sample(second, heapUsed, rss, threads, fds, calls);
    }

    private static long field(String status, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s+(\\d+)").matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        return org.stirshield.bench.Jcmd.run(pid, command);
    }

    private static int check(boolean ok, String what) {
        System.out.println((ok ? "  ok    " : "  FAIL  ") + what);
        return ok ? 0 : 1;
    }

    private static Map<String, Long> sums(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    private static double value(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static long parseSizeKb(String s) {
        long n = Long.parseLong(s.replaceAll("[^0-9]", ""));
        char unit = Character.toLowerCase(s.charAt(s.length() - 1));
        return unit == 'g' ? n * 1024 * 1024 : unit == 'm' ? n * 1024 : unit == 'k' ? n : n / 1024;
    }

    private static String get(int port, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void closeEach(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoLinger(true, 0);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void awaitListening(Process serve, Path log) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("listening on")) {
            if (!serve.isAlive() || System.nanoTime() > end) {
                throw new IllegalStateException("serve did not start:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("usage: scripts/soak [--minutes N] [--rate CALLS_PER_S] [--heap 256m]"
                        + " [--max-rss-mb N]");
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        return out;
    }
}
