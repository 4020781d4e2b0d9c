package org.stirshield.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.stirshield.agi.AgiClient;
import org.stirshield.passport.Es256;

/**
 * {@code ./stirshield bench}: plays Asterisk over real FastAGI sessions against StirShield's server (its
 * own, started on loopback in a separate JVM, or {@code --server HOST:PORT}) and, in the same run, the
 * references: asterisk-java's stock {@code DefaultAgiServer} serving the same script over the same pipeline,
 * and {@code openssl speed ecdsap256} against StirShield's warm verification on one core. Prints calls/s,
 * decision latency p50/p99/p999, errors and the server's CPU time per call, and ends with
 * {@code calls/s: N} (StirShield's).
 */
public final class Benchmark {
    /**
     * @param server an external server, or null to start one
     * @param rate calls per second offered (open loop), or 0
     * @param concurrency sessions in flight (closed loop), or 0
     * @param duration the measured interval
     * @param warmup the interval before it (not measured)
     * @param signed signed calls (a fresh PASSporT each) or unsigned ones (no Identity header)
     * @param cold one burst of {@code concurrency} calls on one certificate not fetched yet
     * @param reference also run the references (stock server, OpenSSL) and the floor
     * @param floors the floor's threading models to run ({@code nio}, {@code threads}) when {@code reference}
     * @param serverCpus the CPUs every server started here runs on ({@code taskset -c}), or null: wherever the
     *     scheduler puts them, beside the load generator
     */
    public record Options(InetSocketAddress server, int rate, int concurrency, Duration duration, Duration warmup,
            boolean signed, boolean cold, boolean reference, boolean memory, boolean oneRoundTrip, List<String> floors,
            String serverCpus) {
    }

    /** Whether {@code s} is a CPU list as {@code taskset -c} takes it: {@code 1}, {@code 2,3}, {@code 0-3,6}. */
    public static boolean isCpuList(String s) {
        return s != null && s.matches("\\d{1,4}(-\\d{1,4})?(,\\d{1,4}(-\\d{1,4})?)*");
    }

    /** One server's figures. */
    private record Row(String name, LoadGenerator.Result result, double cpuUser, double cpuSystem, double clientCpu) {
        double cpuMillisPerCall() {
            return result.calls() == 0 ? Double.NaN : (cpuUser + cpuSystem) * 1000 / result.calls();
        }
    }

    private final Options o;
    private final PrintStream out;
    /** With --server-cpus: each server started and the CPUs it was allowed to run on, read from /proc. */
    private final List<String> pinned = new ArrayList<>();

    public Benchmark(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    /** Runs it; returns StirShield's calls/s. */
    public double run() throws Exception {
        Path dir = Files.createTempDirectory("stirshield-bench");
        try {
            BenchSetup setup = new BenchSetup(dir);
            out.println(machine());
            if (o.serverCpus() != null) {
                out.println("CPUs: the servers on " + o.serverCpus() + " (taskset -c), the load generator on "
                        + ProcFs.cpusAllowed());
            }
            return o.memory() ? memory(setup) : o.cold() ? cold(setup) : steady(setup);
        } finally {
            if (System.getenv("STIRSHIELD_BENCH_KEEP") == null) {
                deleteTree(dir);
            } else {
                out.println("kept: " + dir + " (configuration, PKI, server logs, audit files)");
            }
        }
    }

    private double steady(BenchSetup setup) throws Exception {
        LoadGenerator.Mode mode = o.rate() > 0 ? LoadGenerator.Mode.rate(o.rate()) : LoadGenerator.Mode.concurrency(o.concurrency());
        out.printf("dialplan: %s%n", o.oneRoundTrip()
                ? "AGI(.../verify,${PJSIP_HEADER(read,Identity)},trunk=...) with server.read_sip_headers: false (one round trip)"
                : "AGI(.../verify,trunk=...): the server reads the SIP request (two round trips)");
        out.printf("load: %s calls (%s), %s, %d s warm-up, %d s measured%n", o.signed() ? "signed" : "unsigned",
                o.signed() ? "a fresh PASSporT each, certificate warm" : "no Identity header, protected caller: rejected 428",
                mode, o.warmup().toSeconds(), o.duration().toSeconds());
        if (o.signed() && o.warmup().plus(o.duration()).toSeconds() > FRESH_SECONDS) {
            if (earlyRounds(true, o.warmup(), o.duration()).isEmpty()) { // one set cannot cover the measured interval
                out.println("note: a measured interval longer than " + (FRESH_SECONDS - LAST_WARMUP.toSeconds()) + " s"
                        + " outlives the PASSporTs' freshness (60 s): the last calls fail stale_iat");
            } else {
                out.println("warm-up in rounds of at most " + ROUND.toSeconds() + " s, each with PASSporTs signed just"
                        + " before it (the server idles meanwhile); the last " + LAST_WARMUP.toSeconds() + " s of it"
                        + " and the measured interval share one set");
            }
        }
        List<Row> rows = new ArrayList<>();
        if (o.server() != null) {
            rows.add(load("server at " + o.server().getHostString() + ":" + o.server().getPort(), o.server(), -1,
                    span -> tokens(setup, mode, span), mode));
        } else {
            rows.add(local("stirshield serve", List.of("serve"), setup, mode));
            if (o.reference()) {
                rows.add(local("asterisk-java DefaultAgiServer", List.of("bench-reference-server"), setup, mode));
                for (String model : o.floors()) {
                    rows.add(local("floor: minimal responder (" + model + ")", List.of("bench-floor-server", "--model", model,
                            "--status", o.signed() ? "PASS" : "NO_IDENTITY"), setup, mode));
                }
            }
        }
        print(rows);
        if (!pinned.isEmpty()) {
            out.println("CPUs each server ran on: " + String.join("; ", pinned));
        }
        if (o.reference() && o.server() == null && !o.floors().isEmpty()) {
            out.println("floor: accepts, reads the environment block, sends the same commands, reads the replies, closes; "
                    + "no decision (what the exchange itself costs the OS and the JVM here)");
        }
        if (o.reference() && o.server() == null) {
            VerifyRate.Rates v = VerifyRate.measure(setup, setup.config("verify", ServerProcess.freePort(), null), 3);
            out.printf(Locale.ROOT, "ES256 verify on one core: openssl speed ecdsap256 %s/s; StirShield warm verify %.0f/s "
                    + "(%s) = %s of OpenSSL%n", Double.isNaN(v.openssl()) ? "n/a" : String.format(Locale.ROOT, "%.0f", v.openssl()),
                    v.stirshield(), v.provider(), Double.isNaN(v.openssl()) ? "n/a"
                            : String.format(Locale.ROOT, "%.0f %%", 100 * v.ratio()));
        }
        double ours = rows.get(0).result().callsPerSecond();
        out.printf(Locale.ROOT, "calls/s: %.0f%n", ours);
        return ours;
    }

    /** Starts the server ({@code args} + --config), loads it with freshly signed calls, stops it. */
    private Row local(String name, List<String> args, BenchSetup setup, LoadGenerator.Mode mode) throws Exception {
        int port = ServerProcess.freePort();
        Path config = o.oneRoundTrip() ? setup.configOneRoundTrip(args.get(0), port) : setup.config(args.get(0), port, null);
        List<String> cmd = new ArrayList<>(args);
        cmd.add("--config");
        cmd.add(config.toString());
        try (ServerProcess p = ServerProcess.start(o.serverCpus(), cmd, port, setup.dir.resolve(args.get(0) + ".log"), Duration.ofSeconds(60))) {
            // the floor verifies nothing: it gets the same header bytes, without waiting for fresh ones
            boolean floor = args.get(0).equals("bench-floor-server");
            if (o.serverCpus() != null) {
                pinned.add(name + " " + ProcFs.cpusAllowed(p.process.pid()));
            }
            return load(name, p.address, p.process.pid(), span -> {
                if (!floor || lastTokens == null) {
                    lastTokens = tokens(setup, mode, span);
                }
                return lastTokens;
            }, mode);
        }
    }

    /** The PASSporTs of the last round signed (the floor reuses them). */
    private List<String> lastTokens;

    /** Seconds a PASSporT is used within: the verifier's freshness (60 s) less a margin. */
    private static final long FRESH_SECONDS = 55;
    /** A signed run's warm-up beyond the freshness runs in rounds this long at most, each with new PASSporTs. */
    private static final Duration ROUND = Duration.ofSeconds(40);
    /** The part of a long warm-up run with the measured interval's PASSporTs (the rate's ramp and the rest). */
    private static final Duration LAST_WARMUP = Duration.ofSeconds(10);

    /** PASSporTs for one round of {@code span}. */
    private interface Tokens {
        List<String> sign(Duration span) throws Exception;
    }

    /** For signed runs, one PASSporT per call of a round of {@code span}, signed now (each server gets fresh ones). */
    private List<String> tokens(BenchSetup setup, LoadGenerator.Mode mode, Duration span) throws Exception {
        if (!o.signed()) {
            return List.of();
        }
        long expected = (mode.rate() > 0 ? mode.rate() : 8_000L) * (span.toSeconds() + 2);
        int n = (int) Math.min(600_000, expected);
        long t0 = System.nanoTime();
        List<String> tokens = setup.identities(n, BenchSetup.PINNED_X5U);
        out.printf(Locale.ROOT, "signed %d PASSporTs in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        return tokens;
    }

    /**
     * The warm-up rounds before the last: none when the whole run fits in the PASSporTs' freshness (or the calls
     * are unsigned); else rounds of at most {@link #ROUND} that leave {@link #LAST_WARMUP} for the last one.
     */
    static List<Duration> earlyRounds(boolean signed, Duration warmup, Duration duration) {
        List<Duration> rounds = new ArrayList<>();
        if (!signed || warmup.plus(duration).toSeconds() <= FRESH_SECONDS
                || duration.plus(LAST_WARMUP).toSeconds() > FRESH_SECONDS) {
            return rounds;
        }
        Duration left = warmup.minus(LAST_WARMUP);
        while (left.isPositive()) {
            Duration r = left.compareTo(ROUND) > 0 ? ROUND : left;
            rounds.add(r);
            left = left.minus(r);
        }
        return rounds;
    }

    private Row load(String name, InetSocketAddress address, long pid, Tokens signer, LoadGenerator.Mode mode)
            throws Exception {
        String expected = o.signed() ? "PASS" : "NO_IDENTITY";
        Duration warmup = o.warmup();
        for (Duration round : earlyRounds(o.signed(), o.warmup(), o.duration())) {
            new LoadGenerator(address, calls(address, signer.sign(round)), expected, Duration.ofSeconds(10))
                    .run(mode, round, Duration.ZERO, NO_MARKS);
            warmup = warmup.minus(round);
        }
        List<String> tokens = signer.sign(warmup.plus(o.duration()));
        LoadGenerator g = new LoadGenerator(address, calls(address, tokens), expected, Duration.ofSeconds(10));
        double[][] cpu = new double[2][];
        double[][] client = new double[2][];
        long self = ProcessHandle.current().pid();
        long serverPid = pid > 0 ? pid : ProcFs.listeningPid(address).orElse(-1L);
        LoadGenerator.Result r = g.run(mode, warmup, o.duration(), new LoadGenerator.Marks() {
            @Override
            public void start() {
                cpu[0] = read(serverPid);
                client[0] = read(self);
            }

            @Override
            public void end() {
                cpu[1] = read(serverPid);
                client[1] = read(self);
            }
        });
        if (r.unexpected() > 0) {
            out.printf("%s: %d calls got an unexpected STIR_STATUS, e.g. %s%n", name, r.unexpected(), r.statuses());
        }
        boolean haveCpu = cpu[0] != null && cpu[1] != null;
        double clientCpu = client[0] != null && client[1] != null && r.calls() > 0
                ? (client[1][0] + client[1][1] - client[0][0] - client[0][1]) * 1000 / r.calls() : Double.NaN;
        return new Row(name, r, haveCpu ? cpu[1][0] - cpu[0][0] : Double.NaN, haveCpu ? cpu[1][1] - cpu[0][1] : Double.NaN,
                clientCpu);
    }

    /** The calls of one round: the same call each time, with the next of {@code tokens} when signed. */
    private LoadGenerator.Calls calls(InetSocketAddress address, List<String> tokens) throws Exception {
        LoadGenerator.Call template = LoadGenerator.Call.of(call(address, null));
        LoadGenerator.Calls calls;
        if (o.oneRoundTrip()) { // the Identity header as agi_arg_1 (empty: none)
            LoadGenerator.Call unsigned = LoadGenerator.Call.of(argumentCall(address, ""));
            calls = tokens.isEmpty() ? i -> unsigned
                    : i -> LoadGenerator.Call.of(argumentCall(address, tokens.get((int) (i % tokens.size()))));
        } else if (tokens.isEmpty()) {
            calls = i -> template;
        } else {
            calls = i -> {
                Map<String, String> vars = new java.util.HashMap<>(template.variables());
                vars.put("${PJSIP_HEADER(read,Identity)}", tokens.get((int) (i % tokens.size())));
                return new LoadGenerator.Call(template.environment(), vars);
            };
        }
        return calls;
    }

    private static double[] read(long pid) {
        try {
            return pid > 0 ? ServerProcess.cpu(pid) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A call as the recommended dialplan makes it: no arguments but the trunk; the server reads the rest. */
    static AgiClient.Call call(InetSocketAddress server, String identity) {
        AgiClient.Call c = AgiClient.call(server, "verify", BenchSetup.CALLER, BenchSetup.CALLED, "from-carrier",
                List.of("trunk=from-carrier"));
        Map<String, String> vars = new java.util.HashMap<>(Map.of(
                "${PJSIP_HEADER(read,From)}", "\"Bench Caller\" <sip:" + BenchSetup.CALLER + "@carrier.example>;tag=b3nch",
                "${PJSIP_HEADER(read,P-Asserted-Identity)}", "<sip:" + BenchSetup.CALLER + "@carrier.example;user=phone>",
                "${PJSIP_HEADER(read,Call-ID)}", "bench-call@carrier.example",
                "${CHANNEL(pjsip,remote_addr)}", "198.51.100.7:5060"));
        if (identity != null) {
            vars.put("${PJSIP_HEADER(read,Identity)}", identity);
        }
        return c.withVariables(vars);
    }

    /** The one-round-trip dialplan's call: the Identity header as the first argument. */
    static AgiClient.Call argumentCall(InetSocketAddress server, String identity) {
        return AgiClient.call(server, "verify", BenchSetup.CALLER, BenchSetup.CALLED, "from-carrier",
                List.of(identity, "trunk=from-carrier"));
    }

    private void print(List<Row> rows) {
        out.printf(Locale.ROOT, "%-34s %9s %8s %8s %8s %7s %10s %22s %18s %17s%n", "server", "calls/s", "p50 ms", "p99 ms",
                "p999 ms", "errors", "unexpected", "CPU ms/call (usr+sys)", "in flight max/mean",
                "bench CPU ms/call");
        for (Row r : rows) {
            LoadGenerator.Result x = r.result();
            String cpu = Double.isNaN(r.cpuMillisPerCall()) ? "n/a (not local)"
                    : String.format(Locale.ROOT, "%.3f (%.3f+%.3f)", r.cpuMillisPerCall(), r.cpuUser() * 1000 / x.calls(),
                            r.cpuSystem() * 1000 / x.calls());
            out.printf(Locale.ROOT, "%-34s %9.0f %8.2f %8.2f %8.2f %7d %10d %22s %18s %17.3f%n", r.name(), x.callsPerSecond(),
                    x.millis(0.50), x.millis(0.99), x.millis(0.999), x.errors(), x.unexpected(), cpu,
                    String.format(Locale.ROOT, "%d/%.1f", x.maxInFlight(), x.meanInFlight()), r.clientCpu());
        }
    }

    /** 1,000 (--concurrency) calls at once on one certificate nobody has fetched yet. */
    private double cold(BenchSetup setup) throws Exception {
        int n = o.concurrency() > 0 ? o.concurrency() : 1000;
        out.printf("load: %d signed calls at once, all with the same x5u, not fetched yet (cert server on loopback, "
                + "100 ms per fetch)%n", n);
        try (LoopbackCertServer certs = new LoopbackCertServer(setup.dir,
                LoopbackCertServer.bytes(setup.carrier.chainPem()), Duration.ofMillis(100))) {
            int port = ServerProcess.freePort();
            Path config = setup.config("serve", port, certs.caFile);
            try (ServerProcess p = ServerProcess.start(o.serverCpus(), List.of("serve", "--config", config.toString()), port,
                    setup.dir.resolve("serve.log"), Duration.ofSeconds(60))) {
                String x5u = certs.url();
                // Warm the server's fetch path (HTTP client, TLS) on other URLs until one fetch makes it in time,
                // then the burst on a URL nobody has fetched yet.
                LoadGenerator warm = new LoadGenerator(p.address, null, "PASS", Duration.ofSeconds(10));
                int warmed = 0;
                for (int u = 0; u < 30 && warmed < 3; u++) {
                    String warmX5u = certs.url().replace("shaken.pem", "warm-up-" + u + ".pem");
                    for (String t : setup.identities(20, warmX5u)) {
                        String[] s = new String[2];
                        warm.play(LoadGenerator.Call.of(call(p.address, t)), new byte[16384], s);
                        if ("PASS".equals(s[0])) {
                            warmed++;
                        }
                    }
                }
                long before = certs.requests();
                List<String> tokens = setup.identities(n, x5u);
                LoadGenerator g = new LoadGenerator(p.address, null, "PASS", Duration.ofSeconds(10));
                CountDownLatch go = new CountDownLatch(1);
                long[] latency = new long[n];
                String[] status = new String[n];
                String[] reason = new String[n];
                List<Thread> threads = new ArrayList<>(n);
                AtomicLong started = new AtomicLong();
                for (int i = 0; i < n; i++) {
                    int k = i;
                    LoadGenerator.Call c = LoadGenerator.Call.of(call(p.address, tokens.get(k)));
                    threads.add(Thread.ofPlatform().start(() -> {
                        try {
                            go.await();
                        } catch (InterruptedException e) {
                            return;
                        }
                        long t0 = System.nanoTime();
                        started.compareAndSet(0, t0);
                        String[] s = new String[2];
                        long done = g.play(c, new byte[16384], s);
                        latency[k] = done < 0 ? -1 : done - t0;
                        status[k] = s[0];
                        reason[k] = s[1];
                    }));
                }
                long t0 = System.nanoTime();
                go.countDown();
                for (Thread t : threads) {
                    t.join();
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                long fetches = certs.requests() - before;
                int answered = 0;
                int passed = 0;
                String firstOther = null;
                long worst = 0;
                long[] sorted = new long[n];
                int m = 0;
                for (int i = 0; i < n; i++) {
                    if (latency[i] >= 0) {
                        answered++;
                        worst = Math.max(worst, latency[i]);
                        sorted[m++] = latency[i];
                    }
                    if ("PASS".equals(status[i])) {
                        passed++;
                    } else if (firstOther == null) {
                        firstOther = status[i] + " " + reason[i];
                    }
                }
                java.util.Arrays.sort(sorted, 0, m);
                out.printf(Locale.ROOT, "cold x5u: %d calls, %d fetch(es) of the certificate, %d answered, %d PASS, "
                        + "latency p50 %.1f ms, max %.1f ms (decision deadline 1000 ms)%n", n, fetches, answered, passed,
                        m == 0 ? Double.NaN : sorted[m / 2] / 1e6, worst / 1e6);
                if (firstOther != null) {
                    out.println("not PASS, e.g.: " + firstOther + "; the server's log ends:\n"
                            + ServerProcess.tail(p.log));
                }
                out.printf(Locale.ROOT, "calls/s: %.0f%n", n / seconds);
                return n / seconds;
            }
        }
    }

    /** The certificates cached and the protected entries of the memory figure. */
    static final int MEMORY_CERTS = 10_000;
    static final int MEMORY_ENTRIES = 1_000_000;

    /**
     * Heap and RSS of a server holding 1,000,000 protected entries, 10,000 cached certificates (each from its
     * own x5u URL) and a full replay window (signed calls at 1,000 calls/s for the whole window), beside the
     * same server idle with the bench policy.
     */
    private double memory(BenchSetup setup) throws Exception {
        int rate = o.rate() > 0 ? o.rate() : 1000;
        Duration window = Duration.ofSeconds(120).plusSeconds(10); // freshness + future skew, and a margin
        out.printf("memory: %,d protected entries, %,d certificates cached, replay window filled at %d calls/s for %d s%n",
                MEMORY_ENTRIES, MEMORY_CERTS, rate, window.toSeconds());
        int idlePort = ServerProcess.freePort();
        try (ServerProcess idle = ServerProcess.start(o.serverCpus(), List.of("serve", "--config",
                setup.config("idle", idlePort, null).toString()), idlePort, setup.dir.resolve("idle.log"), Duration.ofSeconds(60))) {
            LoadGenerator g = new LoadGenerator(idle.address, i -> LoadGenerator.Call.of(call(idle.address, null)),
                    "NO_IDENTITY", Duration.ofSeconds(10));
            g.run(LoadGenerator.Mode.rate(200), Duration.ZERO, Duration.ofSeconds(3), NO_MARKS);
            out.printf(Locale.ROOT, "%-58s heap %7.1f MiB after a full GC, RSS %7.1f MiB%n", "idle server (bench policy, 600 calls)",
                    Jcmd.heapUsedAfterGc(idle.process.pid()) / 1048576.0, idle.rss() / 1048576.0);
        }
        Path policy = setup.bigPolicy(MEMORY_ENTRIES);
        try (LoopbackCertServer certs = new LoopbackCertServer(setup.dir,
                LoopbackCertServer.bytes(setup.carrier.chainPem()), Duration.ZERO)) {
            int port = ServerProcess.freePort();
            int metricsPort = ServerProcess.freePort();
            Path config = setup.config("memory", port, certs.caFile, policy, metricsPort);
            try (ServerProcess p = ServerProcess.start(o.serverCpus(), List.of("serve", "--config", config.toString()), port,
                    setup.dir.resolve("memory.log"), Duration.ofSeconds(180))) {
                String base = certs.url().replace("shaken.pem", "");
                long t0 = System.nanoTime();
                int cached = fill(p, setup, base);
                out.printf(Locale.ROOT, "filled the certificate cache in %.0f s: %,d of %,d x5u URLs verified a call "
                        + "(%,d certificate requests served)%n", (System.nanoTime() - t0) / 1e9, cached, MEMORY_CERTS,
                        certs.requests());
                String x5u = base + "c0.pem";
                LoadGenerator steady = new LoadGenerator(p.address, i -> call(p, setup, x5u, 1_000_000_000L + i), "PASS",
                        Duration.ofSeconds(10));
                LoadGenerator.Result r = steady.run(LoadGenerator.Mode.rate(rate), Duration.ZERO, window, NO_MARKS);
                out.printf(Locale.ROOT, "replay window: %d calls at %.0f calls/s, %d errors, %d not PASS%n", r.calls(),
                        r.callsPerSecond(), r.errors(), r.unexpected());
                Map<String, Double> m = Metrics.scrape(metricsPort);
                out.printf(Locale.ROOT, "%-58s heap %7.1f MiB after a full GC, RSS %7.1f MiB%n",
                        "server with the entries, certificates and replay window", Jcmd.heapUsedAfterGc(p.process.pid()) / 1048576.0,
                        p.rss() / 1048576.0);
                out.printf(Locale.ROOT, "(its metrics: stirshield_replay_cache_entries %s, certificate fetches %s)%n",
                        Metrics.show(m, "stirshield_replay_cache_entries"), Metrics.show(m, "stirshield_cert_fetches_total"));
                out.printf(Locale.ROOT, "calls/s: %.0f%n", r.callsPerSecond());
                return r.callsPerSecond();
            }
        }
    }

    /** One signed call per x5u URL (8 at a time, each retried until it passes, at most 5 times); returns how many passed. */
    private static int fill(ServerProcess p, BenchSetup setup, String base) throws InterruptedException {
        LoadGenerator g = new LoadGenerator(p.address, null, "PASS", Duration.ofSeconds(10));
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger passed = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                byte[] buf = new byte[16384];
                for (int i = next.getAndIncrement(); i < MEMORY_CERTS; i = next.getAndIncrement()) {
                    for (int attempt = 0; attempt < 5; attempt++) {
                        String[] s = new String[2];
                        g.play(call(p, setup, base + "c" + i + ".pem", i * 8L + attempt), buf, s);
                        if ("PASS".equals(s[0])) {
                            passed.incrementAndGet();
                            break;
                        }
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        return passed.get();
    }

    private static LoadGenerator.Call call(ServerProcess p, BenchSetup setup, String x5u, long serial) {
        return LoadGenerator.Call.of(call(p.address, setup.identityNow(x5u, serial)));
    }

    private static final LoadGenerator.Marks NO_MARKS = new LoadGenerator.Marks() {
        @Override
        public void start() {
        }

        @Override
        public void end() {
        }
    };

    /** The machine, for the record: CPU model and cores, kernel, JDK, ES256 provider. */
    static String machine() {
        String cpu = "unknown CPU";
        int cores = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name") && cpu.equals("unknown CPU")) { // the first processor's
                    cpu = line.substring(line.indexOf(':') + 1).strip();
                }
                if (line.startsWith("processor")) {
                    cores++;
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        int usable = Runtime.getRuntime().availableProcessors();
        String coreCount = cores == 0 || cores == usable ? usable + " cores"
                : cores + " cores (this process may use " + usable + ")";
        return String.format(Locale.ROOT, "StirShield bench %s | %s, %s | %s %s | Java %s (%s), %s GC | ES256 via %s",
                Instant.now().truncatedTo(ChronoUnit.SECONDS), cpu, coreCount,
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"),
                System.getProperty("java.vendor"), collector(), Es256.awaitFastest(Duration.ofSeconds(30)).providerName());
    }

    /** The garbage collector this JVM (and so every server it starts, with the same options) runs. */
    private static String collector() {
        String names = String.join(" ", java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(java.lang.management.GarbageCollectorMXBean::getName).toList());
        if (names.contains("G1")) {
            return "G1";
        }
        if (names.contains("Copy") || names.contains("MarkSweepCompact")) {
            return "Serial";
        }
        if (names.contains("PS ")) {
            return "Parallel";
        }
        return names.contains("ZGC") ? "Z" : names.isEmpty() ? "unknown" : names;
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory
        }
    }
}
