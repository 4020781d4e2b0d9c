package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cert.FetchTestSupport.Events;
import org.stirshield.cert.FetchTestSupport.ManualTicker;
import org.stirshield.cert.FetchTestSupport.Resolver;
import org.stirshield.cert.FetchTestSupport.Trace;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;

/**
 * CRT-01..05 end to end over real HTTPS on loopback: a JDK HttpsServer with a BouncyCastle TLS
 * certificate, a real STI PKI (org.stirshield.sign), core's CredentialValidator, the production
 * fetcher, guard and cache. Loopback is reachable only because the test configuration permits it.
 */
class CertificateFetchTest {
    static TestTls tls;
    static CertServer server;
    static CertServer crlServer;
    static CertificateAuthority root;
    static CertificateAuthority inter;
    static LeafCertificate leaf;
    static LeafCertificate revokedLeaf;
    static LeafCertificate goodLeafWithCdp;
    static LeafCertificate deadCdpLeaf;
    static LeafCertificate rootLeaf;
    static Path caFile;
    static final AtomicLong bigBytesWritten = new AtomicLong();
    static final Map<String, Integer> hostHeaders = new ConcurrentHashMap<>();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        tls = new TestTls();
        caFile = tls.writeCa(tmp);
        root = CertificateAuthority.root("StirShield Test STI-CA Root");
        inter = root.intermediate("StirShield Test STI-CA Issuing");
        leaf = inter.issueLeaf(LeafSpec.spc("1234"));
        rootLeaf = root.issueLeaf(LeafSpec.spc("4321"));

        crlServer = CertServer.http();
        String crlUrl = crlServer.url("localhost", "/sti-ca.crl");
        revokedLeaf = inter.issueLeaf(LeafSpec.spc("666A").withCrlDistributionPoint(crlUrl));
        goodLeafWithCdp = inter.issueLeaf(LeafSpec.spc("777B").withCrlDistributionPoint(crlUrl));
        deadCdpLeaf = inter.issueLeaf(LeafSpec.spc("888C").withCrlDistributionPoint(crlServer.url("localhost", "/missing.crl")));
        Instant now = Instant.now();
        byte[] crl = inter.crl(now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(7)),
                revokedLeaf.certificate().getSerialNumber()).getEncoded();
        crlServer.on("/sti-ca.crl", CertServer.body(crl, "Content-Type", "application/pkix-crl"));
        crlServer.on("/missing.crl", CertServer.status(404));

        byte[] pem = leaf.chainPem().getBytes(StandardCharsets.US_ASCII);
        server = CertServer.https(tls);
        server.on("/chain.pem", ex -> {
            hostHeaders.merge(ex.getRequestHeaders().getFirst("Host"), 1, Integer::sum);
            CertServer.body(pem, "Content-Type", "application/pem-certificate-chain").handle(ex);
        });
        for (String p : List.of("/a.pem", "/b.pem", "/c.pem", "/d.pem", "/e.pem", "/pinning.pem", "/persist.pem")) {
            server.on(p, CertServer.body(pem));
        }
        server.on("/max-age.pem", CertServer.body(pem, "Cache-Control", "public, max-age=7200"));
        server.on("/revoked.pem", CertServer.body(revokedLeaf.chainPem().getBytes(StandardCharsets.US_ASCII)));
        server.on("/good-cdp.pem", CertServer.body(goodLeafWithCdp.chainPem().getBytes(StandardCharsets.US_ASCII)));
        server.on("/dead-cdp.pem", CertServer.body(deadCdpLeaf.chainPem().getBytes(StandardCharsets.US_ASCII)));
        server.on("/der.crt", CertServer.body(rootLeaf.certificate().getEncoded())); // issued by the root: no intermediate needed
        server.on("/garbage.pem", CertServer.body("<html>not a certificate</html>".getBytes(StandardCharsets.US_ASCII)));
        server.on("/slow-start.pem", ex -> {
            server.released.await(400, TimeUnit.MILLISECONDS);
            CertServer.body(pem).handle(ex);
        });
        server.on("/one-second.pem", ex -> {
            server.released.await(1, TimeUnit.SECONDS);
            CertServer.body(pem).handle(ex);
        });
        server.on("/sleeps.pem", ex -> {
            server.released.await(10, TimeUnit.SECONDS); // "sleeps 10 s"; released when the server closes
            CertServer.body(pem).handle(ex);
        });
        server.on("/500.pem", CertServer.status(500));
        server.on("/404.pem", CertServer.status(404));
        server.on("/big.pem", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: no Content-Length to refuse up front
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'A');
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 160; i++) { // 10 MiB
                    out.write(chunk);
                    bigBytesWritten.addAndGet(chunk.length);
                }
            }
        });
        server.on("/big-declared.pem", ex -> {
            ex.sendResponseHeaders(200, 10L * 1024 * 1024);
            ex.getResponseBody().write(new byte[1024]); // the client must not wait for the rest
        });
        server.on("/drip.pem", ex -> {
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            for (int i = 0; i < 200 && server.released.getCount() > 0; i++) {
                out.write('-');
                out.flush();
                server.released.await(50, TimeUnit.MILLISECONDS);
            }
        });
        server.on("/redirect-same.pem", CertServer.status(302, "Location", "/chain.pem"));
        server.on("/redirect-loopback.pem", ex -> CertServer.status(302, "Location",
                "https://127.0.0.1:" + server.port() + "/chain.pem").handle(ex));
        server.on("/redirect-private.pem", CertServer.status(302, "Location", "https://10.0.0.1/chain.pem"));
        warmUp();
    }

    /** One fetch before the tests, so class loading and JIT of the TLS stack do not eat a test's timeout. */
    static void warmUp() throws Exception {
        warmUpTls(caFile, root, server.url("localhost", "/d.pem"));
    }

    /** One HTTPS fetch of {@code url} (served by a test server trusting {@code ca}) with generous timeouts. */
    static void warmUpTls(Path ca, CertificateAuthority anchor, String url) throws Exception {
        FetchSettings s = FetchTestSupport.settings("""
                permit_cidrs: ["127.0.0.0/8"]
                allowed_ports: "*"
                tls_ca_file: "%s"
                connect_timeout: 20s
                fetch_timeout: 20s
                """.formatted(ca), "");
        try (CachedCertificateSource src = CertificateSources.build(s, new CredentialValidator(
                TrustAnchors.of(List.of(anchor.certificate())), CrlSource.none(), RevocationMode.IF_AVAILABLE),
                CertificateEvents.NONE, GuardedFetcher.Resolver.SYSTEM, null, GuardedFetcher.Trace.NONE,
                Ticker.systemTicker(), Clock.systemUTC())) {
            src.credential(url, Instant.now(), Deadline.in(Duration.ofSeconds(20)));
        }
    }

    @AfterAll
    static void stop() {
        server.close();
        crlServer.close();
    }

    // ---------------------------------------------------------------- assembly

    String base() {
        return """
                permit_cidrs: ["127.0.0.0/8", "::1/128"]
                allowed_ports: [%d, %d]
                tls_ca_file: "%s"
                connect_timeout: 3s
                fetch_timeout: 5s
                """.formatted(server.port(), crlServer.port(), caFile);
    }

    final Trace trace = new Trace();
    final Resolver resolver = new Resolver();
    final Events events = new Events();
    final List<AutoCloseable> toClose = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void closeSources() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    CachedCertificateSource source(String extraYaml) throws Exception {
        return source(FetchTestSupport.settings(base(), extraYaml), Ticker.systemTicker());
    }

    CachedCertificateSource source(FetchSettings s, Ticker ticker) {
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        HttpCrlSource crls = new HttpCrlSource(s, CertificateSources.fetcher(s, resolver, null, trace, ex), events,
                ticker, Clock.systemUTC(), ex, null);
        CredentialValidator v = new CredentialValidator(TrustAnchors.of(List.of(root.certificate())), crls,
                CertificateSources.revocationMode(s));
        CachedCertificateSource src = CertificateSources.build(s, v, events, resolver, null, trace, ticker, Clock.systemUTC());
        toClose.add(src);
        toClose.add(crls);
        return src;
    }

    static Deadline seconds(long s) {
        return Deadline.in(Duration.ofSeconds(s));
    }

    static CredentialFailure failure(CertificateSource src, String url, Deadline d) {
        return assertThrows(CredentialException.class, () -> src.credential(url, Instant.now(), d)).failure();
    }

    // ---------------------------------------------------------------- CRT-01/02: fetch and cache

    @Test
    void crt01FetchesOverHttpsThenAnswersFromTheCache() throws Exception {
        CachedCertificateSource src = source("");
        String url = server.url("localhost", "/chain.pem");
        int before = server.count("/chain.pem");

        Credential c = src.credential(url, Instant.now(), seconds(5));
        assertEquals(CredentialValidator.fingerprint(leaf.certificate()), c.fingerprint());
        assertEquals("1234", c.spc());
        assertEquals(root.certificate(), c.anchor());
        assertSame(c, src.credential(url, Instant.now(), seconds(5)), "second call is a cache hit");
        assertEquals(before + 1, server.count("/chain.pem"), "one HTTP request for two calls");

        CertificateStats st = src.stats();
        assertEquals(1, st.hits());
        assertEquals(1, st.misses());
        assertEquals(1, st.fetches());
        assertEquals(1, events.hits.sum());
        assertEquals(1, events.fetched.sum());
        // DNS pinning: connected to the checked address by IP literal; Host header still names the host.
        assertTrue(trace.connectedTo("127.0.0.1"), trace.connects.toString());
        assertTrue(hostHeaders.containsKey("localhost:" + server.port()), hostHeaders.toString());
    }

    @Test
    void crt02DerCertificateAcceptedAndNonCertificateIsUnparseable() throws Exception {
        CachedCertificateSource src = source("");
        assertEquals(CredentialValidator.fingerprint(rootLeaf.certificate()),
                src.credential(server.url("localhost", "/der.crt"), Instant.now(), seconds(5)).fingerprint());
        assertEquals(CredentialFailure.UNPARSEABLE, failure(src, server.url("localhost", "/garbage.pem"), seconds(5)));
    }

    @Test
    void crt03ChainNotFromTheConfiguredStiCaIsUntrusted() throws Exception {
        CachedCertificateSource src = source("");
        FetchSettings s = FetchTestSupport.settings(base(), "");
        CredentialValidator otherRoot = new CredentialValidator(
                TrustAnchors.of(List.of(CertificateAuthority.root("Some Other CA").certificate())), CrlSource.none(),
                RevocationMode.IF_AVAILABLE);
        CachedCertificateSource strict = CertificateSources.build(s, otherRoot, events, resolver, null, trace,
                Ticker.systemTicker(), Clock.systemUTC());
        toClose.add(strict);
        assertEquals(CredentialFailure.UNTRUSTED_CHAIN, failure(strict, server.url("localhost", "/e.pem"), seconds(5)));
        assertNotNull(src.credential(server.url("localhost", "/e.pem"), Instant.now(), seconds(5)));
    }

    @Test
    void expiryAndRefreshAheadWithStaleWhileRevalidate() throws Exception {
        ManualTicker ticker = new ManualTicker();
        FetchSettings s = FetchTestSupport.settings(base(), """
                cache: {min_ttl: 1h, max_ttl: 1d, refresh_ahead: 10m}
                """);
        CachedCertificateSource src = source(s, ticker);
        String url = server.url("localhost", "/a.pem");

        src.credential(url, Instant.now(), seconds(5));
        awaitSettled(src, url);
        assertEquals(1, server.count("/a.pem"));
        ticker.advance(Duration.ofMinutes(45));
        src.credential(url, Instant.now(), seconds(5));
        assertEquals(1, server.count("/a.pem"), "fresh entry: no refresh yet");

        ticker.advance(Duration.ofMinutes(10)); // 55 min: inside the 10 min refresh-ahead window
        long t0 = System.nanoTime();
        Credential served = src.credential(url, Instant.now(), seconds(5));
        assertNotNull(served, "the current entry is served while the refresh runs");
        awaitCount("/a.pem", 2);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        // The refreshed entry lives another hour from now: at +59 min it is still a hit.
        awaitExpiresIn(src, url, Duration.ofMinutes(30));
        ticker.advance(Duration.ofMinutes(59));
        src.credential(url, Instant.now(), seconds(5));
        awaitCount("/a.pem", 3); // ...and inside its own refresh window again
        awaitExpiresIn(src, url, Duration.ofMinutes(30));

        ticker.advance(Duration.ofHours(2)); // past expiry with no call in between: a miss and a new fetch
        long misses = src.stats().misses();
        src.credential(url, Instant.now(), seconds(5));
        assertEquals(misses + 1, src.stats().misses());
        assertEquals(4, server.count("/a.pem"));
    }

    @Test
    void cacheControlMaxAgeExtendsTheLifetimeAboveTheMinimum() throws Exception {
        ManualTicker ticker = new ManualTicker();
        CachedCertificateSource src = source(FetchTestSupport.settings(base(), """
                cache: {min_ttl: 1h, max_ttl: 1d, refresh_ahead: 1s}
                """), ticker);
        String url = server.url("localhost", "/max-age.pem"); // Cache-Control: max-age=7200
        src.credential(url, Instant.now(), seconds(5));
        awaitSettled(src, url);
        ticker.advance(Duration.ofMinutes(100));
        src.credential(url, Instant.now(), seconds(5));
        assertEquals(1, server.count("/max-age.pem"), "still cached after 100 min (max-age 2 h)");
        ticker.advance(Duration.ofMinutes(21));
        src.credential(url, Instant.now(), seconds(5));
        assertEquals(2, server.count("/max-age.pem"), "expired after 2 h");
    }

    @Test
    void singleFlightThousandConcurrentCallsMakeOneRequest() throws Exception {
        CachedCertificateSource src = source("");
        String url = server.url("localhost", "/slow-start.pem"); // answers after 400 ms: all calls overlap
        int before = server.count("/slow-start.pem");
        int n = 1000;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Credential>> results = new ArrayList<>();
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                results.add(vt.submit(() -> {
                    go.await();
                    return src.credential(url, Instant.now(), seconds(10));
                }));
            }
            go.countDown();
            Credential first = results.get(0).get();
            for (Future<Credential> f : results) {
                assertSame(first, f.get());
            }
        }
        assertEquals(before + 1, server.count("/slow-start.pem"), "exactly one HTTP request for 1,000 calls");
        assertEquals(1, src.stats().fetches());
        assertEquals(n, src.stats().hits() + src.stats().misses());
    }

    @Test
    void aWaiterWhoseDeadlinePassesTimesOutWhileTheFetchContinuesForOthers() throws Exception {
        CachedCertificateSource src = source("");
        String u = server.url("localhost", "/one-second.pem"); // answers after 1 s
        int before = server.count("/one-second.pem");
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Credential> patient = vt.submit(() -> src.credential(u, Instant.now(), seconds(5)));
            Thread.sleep(50); // let the patient call start the load
            long t0 = System.nanoTime();
            assertEquals(CredentialFailure.TIMEOUT, failure(src, u, Deadline.in(Duration.ofMillis(100))));
            assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(900), "answered at its own deadline, not the fetch's");
            assertNotNull(patient.get(5, TimeUnit.SECONDS), "the fetch went on for the patient caller");
        }
        assertEquals(before + 1, server.count("/one-second.pem"));
        assertNotNull(src.credential(u, Instant.now(), seconds(1)), "and was cached");
        assertEquals(0, events.failed(CredentialFailure.TIMEOUT), "a caller's own deadline is not a fetch failure");
    }

    // ---------------------------------------------------------------- CRT-01: hostile servers

    @Test
    void serverThatSleepsTimesOutWithinTheDeadlineThenIsNegativelyCached() throws Exception {
        CachedCertificateSource src = source("fetch_timeout: 300ms");
        String url = server.url("localhost", "/sleeps.pem");
        long t0 = System.nanoTime();
        assertEquals(CredentialFailure.TIMEOUT, failure(src, url, seconds(2)));
        long took = System.nanoTime() - t0;
        assertTrue(took < TimeUnit.SECONDS.toNanos(2), "answered within the 2 s call deadline: " + took / 1_000_000 + " ms");
        assertEquals(1, server.count("/sleeps.pem"));

        long t1 = System.nanoTime();
        assertEquals(CredentialFailure.TIMEOUT, failure(src, url, seconds(2)));
        assertTrue(System.nanoTime() - t1 < TimeUnit.MILLISECONDS.toNanos(250), "negative entry answers at once");
        assertEquals(1, server.count("/sleeps.pem"), "the dead server is not asked again");
        assertEquals(1, src.stats().hits());
        assertEquals(1, events.failed(CredentialFailure.TIMEOUT));
    }

    @Test
    void negativeEntryExpiresAfterNegativeTtl() throws Exception {
        ManualTicker ticker = new ManualTicker();
        CachedCertificateSource src = source(FetchTestSupport.settings(base(), "cache: {negative_ttl: 30s}"), ticker);
        String url = server.url("localhost", "/404.pem");
        int before = server.count("/404.pem");
        assertEquals(CredentialFailure.HTTP_STATUS, failure(src, url, seconds(5)));
        awaitSettled(src, url);
        ticker.advance(Duration.ofSeconds(29));
        assertEquals(CredentialFailure.HTTP_STATUS, failure(src, url, seconds(5)));
        assertEquals(before + 1, server.count("/404.pem"));
        ticker.advance(Duration.ofSeconds(2));
        assertEquals(CredentialFailure.HTTP_STATUS, failure(src, url, seconds(5)));
        assertEquals(before + 2, server.count("/404.pem"));
    }

    @Test
    void http5xxIsUnreachableAnd4xxIsHttpStatus() throws Exception {
        CachedCertificateSource src = source("");
        assertEquals(CredentialFailure.UNREACHABLE, failure(src, server.url("localhost", "/500.pem"), seconds(5)));
        assertEquals(CredentialFailure.HTTP_STATUS, failure(src, server.url("localhost", "/404.pem"), seconds(5)));
        assertEquals(1, events.failed(CredentialFailure.UNREACHABLE));
        assertEquals(1, src.stats().fetchFailures().get(CredentialFailure.HTTP_STATUS));
    }

    @Test
    void tenMegabyteBodyIsTooLargeAndNotBuffered() throws Exception {
        CachedCertificateSource src = source("max_body_bytes: 16KiB");
        assertEquals(CredentialFailure.TOO_LARGE, failure(src, server.url("localhost", "/big.pem"), seconds(5)));
        // The client hung up at 16 KiB: the server could not write the 10 MiB (socket buffers hold a few MiB).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        long last = -1;
        while (System.nanoTime() < deadline && bigBytesWritten.get() != last) {
            last = bigBytesWritten.get();
            Thread.sleep(100);
        }
        assertTrue(bigBytesWritten.get() < 10L * 1024 * 1024, "server wrote " + bigBytesWritten.get());
        assertEquals(CredentialFailure.TOO_LARGE, failure(src, server.url("localhost", "/big-declared.pem"), seconds(5)));
    }

    @Test
    void slowDripIsCutAtTheFetchTimeout() throws Exception {
        CachedCertificateSource src = source("fetch_timeout: 300ms");
        long t0 = System.nanoTime();
        assertEquals(CredentialFailure.TIMEOUT, failure(src, server.url("localhost", "/drip.pem"), seconds(5)));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2), "cut near 300 ms, not after 10 s of drip");
    }

    @Test
    void deadlineShorterThanFetchTimeoutBoundsTheCall() throws Exception {
        CachedCertificateSource src = source("fetch_timeout: 2s");
        long t0 = System.nanoTime();
        assertEquals(CredentialFailure.TIMEOUT, failure(src, server.url("localhost", "/drip.pem"),
                Deadline.in(Duration.ofMillis(200))));
        assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(1500));
    }

    // ---------------------------------------------------------------- CRT-01: SSRF guard and redirects

    @Test
    void redirectsAreNotFollowedByDefault() throws Exception {
        CachedCertificateSource src = source("");
        assertEquals(CredentialFailure.HTTP_STATUS, failure(src, server.url("localhost", "/redirect-same.pem"), seconds(5)));
        assertEquals(1, trace.connects.size(), "only the first hop connected");
    }

    @Test
    void oneSameHostRedirectWhenConfiguredButNeverToAnotherHost() throws Exception {
        CachedCertificateSource src = source("max_redirects: 1");
        assertNotNull(src.credential(server.url("localhost", "/redirect-same.pem"), Instant.now(), seconds(5)));
        assertEquals(2, trace.connects.size(), "redirect hop resolved, guarded and connected again");

        trace.connects.clear();
        assertEquals(CredentialFailure.HTTP_STATUS, failure(src, server.url("localhost", "/redirect-loopback.pem"), seconds(5)));
        assertEquals(1, trace.connects.size(), "redirect to https://127.0.0.1 refused without connecting");

        trace.connects.clear();
        assertEquals(CredentialFailure.HTTP_STATUS, failure(src, server.url("localhost", "/redirect-private.pem"), seconds(5)));
        assertEquals(1, trace.connects.size(), "redirect to 10.0.0.1 refused without connecting");
        assertFalse(trace.connectedTo("10.0.0.1"));
    }

    @Test
    void sameHostRedirectIsGuardedAgainWhenTheNameNowResolvesToAPrivateAddress() throws Exception {
        CachedCertificateSource src = source("max_redirects: 1");
        resolver.answer("certs.test", "127.0.0.1", "10.0.0.1"); // second lookup (the redirect hop) rebinds
        assertEquals(CredentialFailure.ADDRESS_REFUSED, failure(src, server.url("certs.test", "/redirect-same.pem"), seconds(5)));
        assertEquals(1, trace.connects.size());
        assertFalse(trace.connectedTo("10.0.0.1"), "never connected to 10.0.0.1");
        assertTrue(trace.decisions.stream().anyMatch(d -> !d.allowed() && d.address().getHostAddress().equals("10.0.0.1")));
    }

    @Test
    void privateAddressesAreRefusedBeforeConnecting() throws Exception {
        CachedCertificateSource src = source("allowed_ports: '*'");
        assertEquals(CredentialFailure.ADDRESS_REFUSED, failure(src, "https://10.0.0.1/cert.pem", seconds(5)));
        assertEquals(CredentialFailure.ADDRESS_REFUSED, failure(src, "https://169.254.169.254/cert.pem", seconds(5)));
        assertEquals(CredentialFailure.ADDRESS_REFUSED, failure(src, "https://[::ffff:10.0.0.1]/cert.pem", seconds(5)));
        resolver.answer("internal.test", "192.168.1.10");
        assertEquals(CredentialFailure.ADDRESS_REFUSED, failure(src, "https://internal.test/cert.pem", seconds(5)));
        resolver.answer("mixed.test", "10.0.0.1");
        assertEquals(CredentialFailure.ADDRESS_REFUSED, failure(src, "https://mixed.test:8443/cert.pem", seconds(5)));
        assertTrue(trace.connects.isEmpty(), "no connection attempted: " + trace.connects);
        assertEquals(5, trace.decisions.stream().filter(d -> !d.allowed()).count());
    }

    @Test
    void localhostIsRefusedUnderDefaultSettings() throws Exception {
        // Default settings (no permit list) apart from the test port: the system resolver says loopback.
        CachedCertificateSource src = source(FetchTestSupport.settings("allowed_ports: [%d]".formatted(server.port()), ""),
                Ticker.systemTicker());
        assertEquals(CredentialFailure.ADDRESS_REFUSED, failure(src, server.url("localhost", "/chain.pem"), seconds(5)));
        assertTrue(trace.connects.isEmpty());
        assertEquals(CredentialFailure.ADDRESS_REFUSED, failure(src, server.url("127.0.0.1", "/chain.pem"), seconds(5)));
        assertTrue(trace.connects.isEmpty());
    }

    @Test
    void httpSchemeIsRefusedByDefault() throws Exception {
        CachedCertificateSource src = source("");
        int before = crlServer.count("/sti-ca.crl");
        assertEquals(CredentialFailure.BAD_URL, failure(src, crlServer.url("localhost", "/sti-ca.crl"), seconds(5)));
        assertTrue(trace.resolved.isEmpty(), "refused before DNS");
        assertEquals(before, crlServer.count("/sti-ca.crl"));
        assertEquals(CredentialFailure.BAD_URL, failure(src, "https://localhost:443/c.pem?x=1", seconds(5)));
        assertEquals(CredentialFailure.BAD_URL, failure(src, "https://user@localhost/c.pem", seconds(5)));
    }

    @Test
    void dnsAnswerChangingBetweenCheckAndConnectDoesNotMoveTheConnection() throws Exception {
        // Only 127.0.0.1 is permitted. The name answers 127.0.0.1 first, then 127.0.0.2 (refused, and
        // nothing listens there). Resolving once and connecting to the checked literal means the second
        // answer is never used; a client that resolved again would connect to 127.0.0.2 and fail.
        CachedCertificateSource src = source(FetchTestSupport.settings(base(), "permit_cidrs: [\"127.0.0.1/32\"]"),
                Ticker.systemTicker());
        resolver.answer("certs.test", "127.0.0.1", "127.0.0.2");
        assertNotNull(src.credential(server.url("certs.test", "/pinning.pem"), Instant.now(), seconds(5)));
        assertEquals(1, resolver.lookups("certs.test"), "resolved exactly once");
        assertEquals(List.of("127.0.0.1"), trace.connects.stream().map(a -> a.getAddress().getHostAddress()).toList());
        assertTrue(trace.decisions.stream().allMatch(d -> d.address().getHostAddress().equals("127.0.0.1")),
                "the address checked is the address connected to");
    }

    @Test
    void tlsCertificateMustMatchTheOriginalHostNameNotJustTheIp() throws Exception {
        // The server's certificate names localhost, certs.test and IP 127.0.0.1; not evil.test. We connect
        // to 127.0.0.1 by literal: the host name check must use the SNI name, with no fallback to the IP.
        CachedCertificateSource src = source("");
        resolver.answer("evil.test", "127.0.0.1");
        assertEquals(CredentialFailure.UNREACHABLE, failure(src, server.url("evil.test", "/b.pem"), seconds(5)));
        assertEquals(0, server.count("/b.pem"), "no HTTP request after the failed handshake");
    }

    @Test
    void untrustedTlsServerIsUnreachable() throws Exception {
        CachedCertificateSource src = source(FetchTestSupport.settings(base().replace(caFile.toString(),
                new TestTls().writeCa(Files.createTempDirectory(tmp, "other")).toString()), ""), Ticker.systemTicker());
        assertEquals(CredentialFailure.UNREACHABLE, failure(src, server.url("localhost", "/b.pem"), seconds(5)));
    }

    // ---------------------------------------------------------------- CRT-05: CRLs

    @Test
    void crt05CrlFromTheDistributionPointRevokesTheLeaf() throws Exception {
        CachedCertificateSource src = source("");
        int crlBefore = crlServer.count("/sti-ca.crl");
        assertEquals(CredentialFailure.REVOKED, failure(src, server.url("localhost", "/revoked.pem"), seconds(5)));
        Credential ok = src.credential(server.url("localhost", "/good-cdp.pem"), Instant.now(), seconds(5));
        assertEquals("777B", ok.spc());
        src.credential(server.url("localhost", "/good-cdp.pem"), Instant.now(), seconds(5)); // per-call recheck
        assertEquals(crlBefore + 1, crlServer.count("/sti-ca.crl"), "CRL fetched once (over http) and cached");
    }

    @Test
    void crt05UnavailableCrlFailsByDefaultAndIsIgnoredWhenConfigured() throws Exception {
        CachedCertificateSource strict = source("");
        assertEquals(CredentialFailure.REVOCATION_UNAVAILABLE,
                failure(strict, server.url("localhost", "/dead-cdp.pem"), seconds(5)));
        CachedCertificateSource lenient = source("crl: {on_unavailable: ignore}");
        assertEquals("888C", lenient.credential(server.url("localhost", "/dead-cdp.pem"), Instant.now(), seconds(5)).spc());
    }

    @Test
    void crlDistributionPointIsAddressGuardedToo() throws Exception {
        // The CDP names localhost; with loopback not permitted the CRL is refused before connecting.
        ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        FetchSettings s = FetchTestSupport.settings(base(), "permit_cidrs: []");
        try (HttpCrlSource crls = new HttpCrlSource(s, CertificateSources.fetcher(s, resolver, null, trace, ex), events,
                Ticker.systemTicker(), Clock.systemUTC(), ex, null)) {
            CredentialException e = assertThrows(CredentialException.class, () -> crls.crlFor(goodLeafWithCdp.certificate(),
                    inter.certificate(), Instant.now(), seconds(5)));
            assertEquals(CredentialFailure.REVOCATION_UNAVAILABLE, e.failure());
            assertTrue(e.getMessage().contains("ADDRESS_REFUSED"), e.getMessage());
        }
        assertTrue(trace.connects.isEmpty(), "refused before connecting");
        assertTrue(trace.decisions.stream().noneMatch(AddressGuard.Decision::allowed));
    }

    // ---------------------------------------------------------------- persistence and pinning

    @Test
    void persistentCacheSurvivesARestartWithTheServerDownAndIgnoresCorruptFiles() throws Exception {
        Path dir = Files.createTempDirectory(tmp, "cache");
        CertServer own = CertServer.https(tls);
        own.on("/persist.pem", CertServer.body(leaf.chainPem().getBytes(StandardCharsets.US_ASCII)));
        String base = base().replace("allowed_ports: [", "allowed_ports: [" + own.port() + ", ");
        String url = own.url("localhost", "/persist.pem");
        String other = own.url("localhost", "/corrupt.pem");
        FetchSettings s = FetchTestSupport.settings(base, "cache: {dir: \"" + dir + "\"}");
        try (CachedCertificateSource first = source(s, Ticker.systemTicker())) {
            first.credential(url, Instant.now(), seconds(5));
        }
        assertEquals(1, own.count("/persist.pem"));
        own.close(); // server down

        DiskCache probe = new DiskCache(dir, 16384);
        Path corrupt = probe.fileFor(other);
        Files.writeString(corrupt, "{\"x5u\": \"" + other + "\", \"expires\": 99999999999999, \"chain\": \"garbage");
        Path halfWritten = Files.writeString(dir.resolve(probe.fileFor(url).getFileName() + "123.tmp"), "{\"x5u");

        CachedCertificateSource restarted = source(s, Ticker.systemTicker());
        Credential c = restarted.credential(url, Instant.now(), seconds(5));
        assertEquals(CredentialValidator.fingerprint(leaf.certificate()), c.fingerprint());
        assertEquals(0, restarted.stats().fetches(), "served from disk, re-validated, no network");
        assertEquals(CredentialFailure.UNREACHABLE, failure(restarted, other, seconds(5)), "corrupt file ignored, fetch tried");
        assertFalse(Files.exists(corrupt), "corrupt file deleted");
        assertFalse(Files.exists(halfWritten), "temporary file from an interrupted write removed at start");
    }

    @Test
    void refreshAheadGoesToTheNetworkEvenWithADiskCopy() throws Exception {
        ManualTicker ticker = new ManualTicker();
        Path dir = Files.createTempDirectory(tmp, "refresh");
        CachedCertificateSource src = source(FetchTestSupport.settings(base(), """
                cache: {min_ttl: 1h, refresh_ahead: 10m, dir: "%s"}
                """.formatted(dir)), ticker);
        String url = server.url("localhost", "/c.pem");
        int before = server.count("/c.pem");
        src.credential(url, Instant.now(), seconds(5));
        assertEquals(1, Files.list(dir).filter(f -> f.toString().endsWith(".json")).count(), "written to disk");
        ticker.advance(Duration.ofMinutes(55));
        src.credential(url, Instant.now(), seconds(5));
        awaitCount("/c.pem", before + 2);
    }

    @Test
    void pinnedUrlNeverTouchesTheNetwork() throws Exception {
        Path pem = tmp.resolve("pinned.pem");
        Files.writeString(pem, leaf.chainPem());
        String url = "https://certs.unresolvable.invalid/pinned.pem";
        CachedCertificateSource src = source("pinned: {\"" + url + "\": \"" + pem + "\"}");
        assertEquals("1234", src.credential(url, Instant.now(), seconds(5)).spc());
        assertEquals("1234", src.credential(url, Instant.now(), seconds(5)).spc());
        assertTrue(trace.resolved.isEmpty() && trace.connects.isEmpty(), "no DNS, no connection");
        assertEquals(0, src.stats().fetches());
    }

    @Test
    void pinnedChainsAreValidatedBeforeTheFirstCallAsks() throws Exception {
        Path pem = tmp.resolve("pinned-early.pem");
        Files.writeString(pem, leaf.chainPem());
        String url = "https://certs.unresolvable.invalid/early.pem";
        CachedCertificateSource src = source("pinned: {\"" + url + "\": \"" + pem + "\"}");
        src.loadPinned(); // what the production source does when built and after a SIGHUP
        awaitSettled(src, url);
        assertEquals("1234", src.credential(url, Instant.now(), seconds(5)).spc());
        assertEquals(1, src.stats().hits(), "the first call found the pinned chain validated");
        assertEquals(0, src.stats().misses());
        assertEquals(0, src.stats().fetches());
    }

    // ---------------------------------------------------------------- helpers

    static void awaitCount(String path, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.count(path) < n && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertEquals(n, server.count(path));
    }

    /**
     * Caffeine applies an async entry's expiry in the loader thread just after the waiting call is
     * woken; a test that moves the ticker must wait for that first.
     */
    static void awaitSettled(CachedCertificateSource src, String url) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (src.expiresIn(url).isEmpty() && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertTrue(src.expiresIn(url).isPresent(), "entry settled");
    }

    /** Waits until the entry for {@code url} has more than {@code atLeast} to live (a refresh has landed). */
    static void awaitExpiresIn(CachedCertificateSource src, String url, Duration atLeast) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (src.expiresIn(url).filter(d -> d.compareTo(atLeast) > 0).isEmpty() && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertTrue(src.expiresIn(url).filter(d -> d.compareTo(atLeast) > 0).isPresent(), "refreshed: " + src.expiresIn(url));
        while (src.refreshing(url) && System.nanoTime() < end) {
            Thread.sleep(1);
        }
        assertFalse(src.refreshing(url), "refresh finished");
    }
}
