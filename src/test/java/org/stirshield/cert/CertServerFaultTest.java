package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.audit.Metrics;
import org.stirshield.audit.MetricsSettings;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.testing.MetricsScrape;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;
import org.stirshield.verify.Verifier;
import org.stirshield.verify.VerifierSettings;

/**
 * Hostile certificate servers, each a real process-level fault on loopback, met by the production verifier,
 * fetcher and cache: 10 concurrent calls per fault are each answered before their 1 s deadline with the reason
 * the fault table documents (docs/robustness.md), the URL is fetched at most once per negative-cache period (a
 * later call is answered from the negative cache at once), and stirshield_cert_fetches_total counts the failed
 * fetch once.
 */
class CertServerFaultTest {
    static final Duration DEADLINE = Duration.ofSeconds(1);
    /** Scheduling slack on a loaded machine: an answer "at the deadline" may come this much later. */
    static final Duration SLACK = Duration.ofMillis(750);

    static TestTls tls;
    static CertServer server;
    static RawTcpServer hang;
    static RawTcpServer reset;
    static LeafCertificate leaf;
    static CertificateAuthority root;
    static Metrics metrics;
    static Verifier verifier;
    static CachedCertificateSource source;
    static final FetchTestSupport.Resolver RESOLVER = new FetchTestSupport.Resolver();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        tls = new TestTls();
        Path ca = tls.writeCa(tmp);
        root = CertificateAuthority.root("Fault Test STI-CA");
        leaf = root.issueLeaf(LeafSpec.spc("1234"));
        byte[] pem = leaf.chainPem().getBytes(StandardCharsets.US_ASCII);
        server = CertServer.https(tls);
        server.on("/drip.pem", ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            for (int i = 0; i < 60 && server.released.getCount() > 0; i++) {
                out.write('-');
                out.flush();
                server.released.await(1, TimeUnit.SECONDS); // one byte a second
            }
        });
        server.on("/10mb.pem", ex -> {
            ex.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 160; i++) {
                    out.write(chunk);
                }
            }
        });
        server.on("/html.pem", CertServer.body("<html><body>It works!</body></html>".getBytes(StandardCharsets.US_ASCII),
                "Content-Type", "text/html"));
        server.on("/500.pem", CertServer.status(500));
        server.on("/slow.pem", ex -> {
            server.released.await(1500, TimeUnit.MILLISECONDS); // right, but after 1.5 s
            CertServer.body(pem).handle(ex);
        });
        server.on("/good.pem", CertServer.body(pem));
        server.on("/to-loopback.pem", ex -> CertServer.status(302, "Location",
                "https://127.0.0.1:" + server.port() + "/good.pem").handle(ex));
        server.on("/to-private.pem", CertServer.status(302, "Location", "https://10.0.0.1/good.pem"));
        hang = new RawTcpServer(RawTcpServer.Mode.HANG);
        reset = new RawTcpServer(RawTcpServer.Mode.RESET);
        server.on("/to-other-port.pem", ex -> CertServer.status(302, "Location",
                "https://localhost:" + hang.port() + "/good.pem").handle(ex));
        CertificateFetchTest.warmUpTls(ca, root, server.url("localhost", "/good.pem"));

        metrics = new Metrics();
        metrics.start(MetricsSettings.resolve("127.0.0.1:0", null));
        RESOLVER.unknown("no-such-host.example");
        FetchSettings s = FetchTestSupport.settings("""
                permit_cidrs: ["127.0.0.0/8"]
                allowed_ports: "*"
                tls_ca_file: "%s"
                max_redirects: 1
                cache: {negative_ttl: 30s}
                """.formatted(ca), "");
        source = CertificateSources.build(s, new CredentialValidator(TrustAnchors.of(List.of(root.certificate())),
                CrlSource.none(), RevocationMode.IF_AVAILABLE), metrics.certificates(), RESOLVER, null, GuardedFetcher.Trace.NONE,
                Ticker.systemTicker(), Clock.systemUTC());
        verifier = Verifier.create(VerifierSettings.defaults(), source);
    }

    @AfterAll
    static void stop() throws Exception {
        source.close();
        metrics.close();
        server.close();
        hang.close();
        reset.close();
    }

    static Stream<Arguments> faults() {
        return Stream.of(
                fault("accepts and hangs", () -> url(hang.port(), "/hang.pem"), hang::accepted, Reason.X5U_TIMEOUT, "TIMEOUT"),
                fault("drips a byte a second", () -> url(server.port(), "/drip.pem"), () -> server.count("/drip.pem"),
                        Reason.X5U_TIMEOUT, "TIMEOUT"),
                fault("sends 10 MB", () -> url(server.port(), "/10mb.pem"), () -> server.count("/10mb.pem"),
                        Reason.BAD_INFO, "TOO_LARGE"),
                fault("sends HTML", () -> url(server.port(), "/html.pem"), () -> server.count("/html.pem"),
                        Reason.UNPARSEABLE_CREDENTIAL, "UNPARSEABLE"),
                fault("resets the TLS handshake", () -> url(reset.port(), "/reset.pem"), reset::accepted,
                        Reason.X5U_UNREACHABLE, "UNREACHABLE"),
                fault("redirects to loopback", () -> url(server.port(), "/to-loopback.pem"),
                        () -> server.count("/to-loopback.pem"), Reason.BAD_INFO, "HTTP_STATUS"),
                fault("redirects to a private address", () -> url(server.port(), "/to-private.pem"),
                        () -> server.count("/to-private.pem"), Reason.BAD_INFO, "HTTP_STATUS"),
                fault("redirects to another port", () -> url(server.port(), "/to-other-port.pem"),
                        () -> server.count("/to-other-port.pem"), Reason.BAD_INFO, "HTTP_STATUS"),
                fault("answers 500", () -> url(server.port(), "/500.pem"), () -> server.count("/500.pem"),
                        Reason.X5U_UNREACHABLE, "UNREACHABLE"),
                fault("a name that does not resolve", () -> "https://no-such-host.example/cert.pem",
                        () -> RESOLVER.lookups("no-such-host.example"), Reason.X5U_UNREACHABLE, "UNREACHABLE"));
    }

    static Arguments fault(String name, java.util.function.Supplier<String> url, IntSupplier fetches, Reason reason,
            String failureKind) {
        return Arguments.of(name, url, fetches, reason, failureKind);
    }

    static String url(int port, String path) {
        return "https://localhost:" + port + path;
    }

    @ParameterizedTest(name = "certificate server {0}")
    @MethodSource("faults")
    void everyCallIsAnsweredInTimeWithTheDocumentedReasonAndOneFetch(String name,
            java.util.function.Supplier<String> url, IntSupplier fetches, Reason reason, String failureKind)
            throws Exception {
        String x5u = url.get();
        int fetchesBefore = fetches.getAsInt();
        String failures = "stirshield_cert_fetches_total{result=\"" + failureKind.toLowerCase(java.util.Locale.ROOT)
                + "\",type=\"x5u\"}";
        double failuresBefore = MetricsScrape.value(metrics.port(), failures);

        for (Verdict v : callsAtOnce(10, x5u)) {
            assertEquals(reason.code(), v.reason() == null ? null : v.reason().code(), name);
        }
        assertEquals(1, fetches.getAsInt() - fetchesBefore, name + ": one fetch for 10 calls");
        // the fetch may outlive the calls (fetch_timeout 2 s > deadline 1 s): wait until it has failed
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (MetricsScrape.value(metrics.port(), failures) == failuresBefore && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        long t0 = System.nanoTime();
        assertEquals(reason, call(x5u).reason(), "a later call gets the same answer");
        assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(500), "from the negative cache, at once");
        assertEquals(1, fetches.getAsInt() - fetchesBefore, name + ": not fetched again within negative_ttl");
        assertEquals(failuresBefore + 1, MetricsScrape.value(metrics.port(), failures), name + ": counted once");
    }

    /** Right, but after 1.5 s: calls time out at their deadline, the one fetch goes on and serves later calls. */
    @org.junit.jupiter.api.Test
    void aServerAnsweringAfterTheDeadlineTimesOutTheCallsThenServesLaterOnes() throws Exception {
        String x5u = url(server.port(), "/slow.pem");
        int before = server.count("/slow.pem");
        for (Verdict v : callsAtOnce(10, x5u)) {
            assertEquals(Reason.X5U_TIMEOUT, v.reason());
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Verdict later;
        do {
            Thread.sleep(100);
            later = call(x5u);
        } while (later.status() != Verdict.Status.PASS && System.nanoTime() < end);
        assertEquals(Verdict.Status.PASS, later.status(), "cached once the slow answer came: " + later.reason());
        assertEquals(before + 1, server.count("/slow.pem"), "one fetch for every call");
    }

    /** {@code n} calls at once for {@code x5u}, each answered before its deadline. */
    static List<Verdict> callsAtOnce(int n, String x5u) throws Exception {
        List<Future<Verdict>> fs = new ArrayList<>();
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                fs.add(vt.submit(() -> {
                    long t0 = System.nanoTime();
                    Verdict v = call(x5u);
                    long took = System.nanoTime() - t0;
                    assertTrue(took < DEADLINE.plus(SLACK).toNanos(), "answered by its deadline: " + took / 1_000_000 + " ms");
                    return v;
                }));
            }
            List<Verdict> out = new ArrayList<>();
            for (Future<Verdict> f : fs) {
                out.add(f.get(10, TimeUnit.SECONDS));
            }
            return out;
        }
    }

    static Verdict call(String x5u) {
        PrivateKey key = leaf.privateKey();
        String jws = PassportSigner.shaken(key, x5u, "A", "12025550123", List.of("12155550100"),
                Instant.now().getEpochSecond(), null);
        return verifier.verify(new CallAttempt("+12025550123", "+12155550100",
                List.of(PassportSigner.identityHeader(jws, x5u)), null, "t", "c", null), Instant.now(),
                Deadline.in(DEADLINE));
    }
}
