package org.stirshield.cli;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.stirshield.agi.AgiClient;
import org.stirshield.agi.ServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./stirshield call}: plays Asterisk for one call against a running {@code serve} and prints the
 * channel variables it was told to set, one {@code NAME=value} a line in the order set. With
 * {@code --repeat N --concurrency C} it is a load tool and prints sessions/s and latencies instead.
 */
@Command(name = "call", mixinStandardHelpOptions = true,
        description = "Play Asterisk for one FastAGI call against a running server; print the variables set.")
final class CallCommand implements Callable<Integer> {

    @Option(names = "--server", paramLabel = "HOST:PORT", defaultValue = ServerSettings.DEFAULT_LISTEN,
            description = "the FastAGI server (default ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--from", paramLabel = "TN", required = true, description = "caller TN (agi_callerid)")
    String from;

    @Option(names = "--to", paramLabel = "TN", required = true, description = "called TN (agi_dnid, agi_extension)")
    String to;

    @Option(names = "--identity", paramLabel = "VALUE", description = "an Identity header value (repeatable)")
    List<String> identity = new ArrayList<>();

    @Option(names = "--context", paramLabel = "NAME", defaultValue = "from-carrier", description = "agi_context (default ${DEFAULT-VALUE})")
    String context;

    @Option(names = "--script", defaultValue = "verify", description = "the AGI script (default ${DEFAULT-VALUE})")
    String script;

    @Option(names = "--arg", paramLabel = "ARG", description = "an extra AGI argument, e.g. date=... (repeatable)")
    List<String> extraArgs = new ArrayList<>();

    @Option(names = "--via-variable", description = "do not pass the Identity headers as AGI arguments: answer"
            + " GET FULL VARIABLE $${PJSIP_HEADER(read,Identity[,n])} with them instead")
    boolean viaVariable;

    @Option(names = "--timeout", defaultValue = "10s", description = "per-session socket timeout (default ${DEFAULT-VALUE})")
    String timeout;

    @Option(names = "--repeat", defaultValue = "1", description = "sessions to run (load test when > 1)")
    int repeat;

    @Option(names = "--concurrency", defaultValue = "1", description = "sessions in flight at once")
    int concurrency;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress address;
        Duration t;
        try {
            address = ServerSettings.parseListen(server);
            t = org.stirshield.config.ConfigValues.parseDuration("--timeout", timeout);
        } catch (IllegalArgumentException e) {
            System.err.println("stirshield call: " + e.getMessage());
            return 2;
        }
        for (String v : concat(identity, extraArgs)) {
            if (v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
                System.err.println("stirshield call: an --identity or --arg value must be one line");
                return 2;
            }
        }
        List<String> args = new ArrayList<>();
        Map<String, String> vars = new java.util.HashMap<>();
        if (viaVariable) {
            for (int i = 0; i < identity.size(); i++) {
                vars.put(i == 0 ? "${PJSIP_HEADER(read,Identity)}" : "${PJSIP_HEADER(read,Identity," + (i + 1) + ")}",
                        identity.get(i));
            }
        } else {
            args.addAll(identity.isEmpty() && extraArgs.isEmpty() ? List.of("") : identity);
        }
        args.addAll(extraArgs);
        AgiClient.Call c = AgiClient.call(address, script, from, to, context, args).withVariables(vars);
        if (repeat <= 1) {
            AgiClient.Result r = AgiClient.run(address, c, t);
            r.variables().forEach((k, v) -> System.out.println(k + "=" + v));
            if (!r.completed()) {
                System.err.println("stirshield call: session did not complete: " + r.error());
                return 1;
            }
            return 0;
        }
        return load(address, c, t);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private int load(InetSocketAddress address, AgiClient.Call c, Duration t) throws InterruptedException {
        int n = repeat;
        long[] latencies = new long[n];
        AtomicLong failed = new AtomicLong();
        Semaphore inFlight = new Semaphore(Math.max(1, concurrency));
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int idx = i;
                inFlight.acquire();
                pool.execute(() -> {
                    try {
                        long t0 = System.nanoTime();
                        AgiClient.Result r = AgiClient.run(address, c, t);
                        latencies[idx] = System.nanoTime() - t0;
                        if (!r.completed() || r.variables().isEmpty()) {
                            failed.incrementAndGet();
                        }
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(latencies);
        System.out.printf("sessions=%d concurrency=%d failed=%d seconds=%.3f sessions_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f%n",
                n, concurrency, failed.get(), seconds, n / seconds, latencies[n / 2] / 1e6,
                latencies[Math.min(n - 1, (int) (n * 0.99))] / 1e6, latencies[n - 1] / 1e6);
        return failed.get() == 0 ? 0 : 1;
    }
}
