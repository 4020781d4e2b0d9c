package org.stirshield.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.asteriskjava.fastagi.DefaultAgiServer;
import org.stirshield.agi.AgiClient;
import org.stirshield.agi.AgiServer;
import org.stirshield.agi.ServerSettings;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.service.CallScreener;
import org.stirshield.verify.Verdict;

/**
 * FastAGI sessions/s on loopback, server and fake Asterisk in one JVM (so the figure is a lower bound
 * of the server alone). The screener answers at once: this measures the FastAGI layer, not verification.
 * Variants: StirShield's server with the Identity header as an AGI argument (1 round trip); the same
 * without arguments (one GET FULL VARIABLE + MSet: 2 round trips); asterisk-java's stock DefaultAgiServer
 * running the same MSet (1 round trip + its hidden SET VARIABLE AJ_AGISTATUS = 2).
 *
 * <p>Run: {@code ./mvnw -o -q test-compile && java -cp target/classes:target/test-classes:$(cat cp.txt)
 * org.stirshield.bench.AgiLoadBench [sessions] [concurrency]}
 */
public final class AgiLoadBench {
    static final CallScreener INSTANT = (call, deadline) -> new Decision(call,
            new Verdict(Verdict.Status.PASS, "A", null, null, null, null, null, null, null, true, call.callerTn(),
                        call.calledTn(), List.of()),
                new ProtectedMatch("+861012308", "Ministry of Foreign Affairs, Consular Hotline", "gov"), "PASS",
                Action.ALLOW, "verified", null, "Consular Hotline", 0);

    static final String IDENTITY = "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9jZXJ0LmV4YW1wbGUvYS5wZW0ifQ"
                + ".eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyI4NjEzODAwMTM4MDAwIl19LCJpYXQiOjE3NjM5MDAwMDAsIm9yaWciOnsidG4iOiI4NjEwMTIzMDgifX0"
                + ".c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl;info=<https://cert.example/a.pem>;alg=ES256;ppt=shaken";

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && (args[0].equals("ours") || args[0].equals("stock"))) {
            serveOnly(args[0], Integer.parseInt(args[1]));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int c = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        CallScreener instant = INSTANT;
        String identity = IDENTITY;


        AgiServer ours = AgiServer.start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0))
                .withLimits(4096, Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(5))
                .withReadSipHeaders(false), instant);
        InetSocketAddress a = ours.address();
        AgiClient.Call withArg = AgiClient.call(a, "verify", "+861012308", "+8613800138000", "from-carrier", List.of(identity));
        AgiClient.Call noArg = AgiClient.call(a, "verify", "+861012308", "+8613800138000", "from-carrier", List.of())
                .withVariables(Map.of("${PJSIP_HEADER(read,Identity)}", identity));
        run("warm-up", a, withArg, n / 2, c);
        run("stirshield, header as AGI argument (1 round trip)", a, withArg, n, c);
        run("stirshield, header by GET FULL VARIABLE (2 round trips)", a, noArg, n, c);
        ours.shutdown(Duration.ofSeconds(5));

        DefaultAgiServer stock = new DefaultAgiServer((org.asteriskjava.fastagi.AgiScript) (request, channel) ->
                channel.exec("MSet", "STIR_STATUS=PASS,STIR_ACTION=allow,STIR_ATTEST=A,STIR_VERSTAT=TN-Validation-Passed,"
                        + "STIR_SIP_CODE=,STIR_REASON=verified,STIR_AGENCY=Ministry of Foreign Affairs\\, Consular Hotline"));
        stock.setAddress(InetAddress.getLoopbackAddress());
        stock.setPort(14599);
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try {
                stock.startup();
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        Thread.sleep(500);
        InetSocketAddress s = new InetSocketAddress("127.0.0.1", 14599);
        AgiClient.Call stockCall = AgiClient.call(s, "verify", "+861012308", "+8613800138000", "from-carrier", List.of(identity));
        run("warm-up", s, stockCall, n / 2, Math.min(c, 64));
        run("asterisk-java DefaultAgiServer, same MSet + AJ_AGISTATUS (2 round trips)", s, stockCall, n, Math.min(c, 64));
        stock.shutdown();
        t.join(2000);
    }

    /** Only the server, for a load client in another process ({@code ./stirshield call --repeat}). */
    private static void serveOnly(String which, int port) throws Exception {
        if (which.equals("ours")) {
            AgiServer.start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", port))
                    .withLimits(4096, Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(5)), INSTANT);
            Thread.sleep(Long.MAX_VALUE);
        }
        DefaultAgiServer stock = new DefaultAgiServer((org.asteriskjava.fastagi.AgiScript) (request, channel) ->
                channel.exec("MSet", "STIR_STATUS=PASS,STIR_ACTION=allow,STIR_ATTEST=A,STIR_VERSTAT=TN-Validation-Passed,"
                        + "STIR_SIP_CODE=,STIR_REASON=verified,STIR_AGENCY=Ministry of Foreign Affairs\\, Consular Hotline"));
        stock.setAddress(InetAddress.getLoopbackAddress());
        stock.setPort(port);
        stock.startup();
    }

    private static void run(String label, InetSocketAddress server, AgiClient.Call call, int n, int c) throws Exception {
        AtomicLong failed = new AtomicLong();
        AtomicLong commands = new AtomicLong();
        Semaphore inFlight = new Semaphore(c);
        long t0 = System.nanoTime();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                ex.execute(() -> {
                    try {
                        AgiClient.Result r = AgiClient.run(server, call, Duration.ofSeconds(10));
                        commands.addAndGet(r.commands().size());
                        if (!r.completed() || !"PASS".equals(r.variables().get("STIR_STATUS"))) {
                            failed.incrementAndGet();
                        }
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%-75s sessions=%d concurrency=%d failed=%d commands/session=%.1f sessions/s=%.0f%n", label, n, c,
                failed.get(), commands.get() / (double) n, n / s);
    }
}
