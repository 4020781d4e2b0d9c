package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cert.FetchTestSupport.Events;
import org.stirshield.cert.FetchTestSupport.Resolver;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;

/**
 * Certificate fetch fairness with real servers on loopback: a flood of distinct x5u URLs on a server that
 * accepts and hangs cannot delay fetches from other hosts (per-host limit), and calls that claim a protected
 * number get a fetch slot even when ordinary fetches hold every slot they may use (reserved slots, promotion).
 */
class CertificateFetchFairnessTest {
    static TestTls tls;
    static CertServer genuine;
    static RawTcpServer hang;
    static CertificateAuthority root;

    @TempDir
    static Path tmp;
    static Path caFile;

    final Resolver resolver = new Resolver();
    final Events events = new Events();
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        tls = new TestTls();
        caFile = tls.writeCa(tmp);
        root = CertificateAuthority.root("Fairness Test STI-CA");
        LeafCertificate leaf = root.issueLeaf(LeafSpec.spc("1234"));
        genuine = CertServer.https(tls).on("/", CertServer.body(leaf.chainPem().getBytes(StandardCharsets.US_ASCII)));
        hang = new RawTcpServer(RawTcpServer.Mode.HANG);
        CertificateFetchTest.warmUpTls(caFile, root, genuine.url("localhost", "/warm-up.pem"));
    }

    @AfterAll
    static void stop() throws Exception {
        genuine.close();
        hang.close();
    }

    @AfterEach
    void closeSources() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    CachedCertificateSource source(String extraYaml) throws Exception {
        FetchSettings s = FetchTestSupport.settings("""
                permit_cidrs: ["127.0.0.0/8"]
                allowed_ports: "*"
                tls_ca_file: "%s"
                connect_timeout: 3s
                fetch_timeout: 5s
                """.formatted(caFile), extraYaml);
        resolver.answer("certs.test", "127.0.0.1");
        CachedCertificateSource src = CertificateSources.build(s, new CredentialValidator(TrustAnchors.of(
                List.of(root.certificate())), CrlSource.none(), RevocationMode.IF_AVAILABLE), events, resolver, null,
                GuardedFetcher.Trace.NONE, Ticker.systemTicker(), Clock.systemUTC());
        toClose.add(src);
        return src;
    }

    static String spoofUrl(String host, int i) {
        return "https://" + host + ":" + hang.port() + "/spoof-" + i + ".pem";
    }

    static String genuineUrl(String path) {
        return "https://certs.test:" + genuine.port() + path;
    }

    /**
     * The issue's measurement: 300 calls with their own x5u URL on a hanging server, 100 at a time, filled all 32
     * fetch slots and 15 of 20 genuine calls (certificate not cached yet) timed out. Now the slow host has at most
     * max_fetches_per_host (8) fetches in flight and every genuine call is verified within its deadline (2 s here,
     * for a loaded test machine; the hanging fetches hold their slots for the 5 s fetch timeout).
     */
    @Test
    void aFloodOfDistinctUrlsOnOneHangingHostDoesNotDelayAnotherHost() throws Exception {
        CachedCertificateSource src = source("");
        int before = hang.accepted();
        Semaphore hundredAtATime = new Semaphore(100);
        List<Future<CredentialFailure>> flood = new ArrayList<>();
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 300; i++) {
                String url = spoofUrl("localhost", i);
                flood.add(vt.submit(() -> {
                    hundredAtATime.acquire();
                    try {
                        return failureOf(src, url, Deadline.in(Duration.ofSeconds(1)), FetchPriority.ORDINARY);
                    } finally {
                        hundredAtATime.release();
                    }
                }));
            }
            Thread.sleep(300); // the flood holds its slots and fills the queue
            List<Future<Long>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String url = genuineUrl("/genuine-" + i + ".pem");
                calls.add(vt.submit(() -> {
                    long t0 = System.nanoTime();
                    assertNotNull(src.credential(url, Instant.now(), Deadline.in(Duration.ofSeconds(2))));
                    return (System.nanoTime() - t0) / 1_000_000;
                }));
            }
            for (Future<Long> c : calls) {
                assertTrue(c.get(10, TimeUnit.SECONDS) < 2000, "verified within the 2 s deadline");
            }
            assertTrue(hang.accepted() - before <= 8, "at most 8 connections to the slow host at once: "
                    + (hang.accepted() - before));
            for (Future<CredentialFailure> f : flood) {
                assertEquals(CredentialFailure.TIMEOUT, f.get(30, TimeUnit.SECONDS), "every flood call answered: timeout");
            }
        }
        assertEquals(20, events.fetched.sum(), "each genuine certificate fetched once");
    }

    /**
     * Ordinary fetches over many hosts hold every slot they may use (max_concurrent_fetches minus the reserve):
     * an ordinary call to a further host waits and times out, a call claiming a protected number is fetched at
     * once on a reserved slot, and so is a waiting ordinary fetch that a protected caller turns out to need.
     */
    @Test
    void callsClaimingAProtectedNumberAreFetchedFirst() throws Exception {
        CachedCertificateSource src = source("""
                max_concurrent_fetches: 8
                max_fetches_per_host: 1
                protected_reserved_fetches: 2
                """);
        try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<CredentialFailure>> flood = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String host = "h" + i + ".slow.test";
                resolver.answer(host, "127.0.0.1");
                String url = spoofUrl(host, i);
                flood.add(vt.submit(() -> failureOf(src, url, Deadline.in(Duration.ofSeconds(1)), FetchPriority.ORDINARY)));
            }
            Thread.sleep(500); // 6 fetches hang on their slots, 6 wait

            String waiting = genuineUrl("/needed-by-both.pem");
            assertEquals(CredentialFailure.TIMEOUT, failureOf(src, waiting, Deadline.in(Duration.ofMillis(300)),
                    FetchPriority.ORDINARY), "no slot for an ordinary call while the flood holds them");
            long t0 = System.nanoTime();
            assertNotNull(src.credential(genuineUrl("/protected.pem"), Instant.now(), Deadline.in(Duration.ofSeconds(2)),
                    FetchPriority.PROTECTED_CALLER));
            assertNotNull(src.credential(waiting, Instant.now(), Deadline.in(Duration.ofSeconds(2)),
                    FetchPriority.PROTECTED_CALLER), "the waiting fetch was promoted");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "long before the flood's fetch timeout");
            for (Future<CredentialFailure> f : flood) {
                assertEquals(CredentialFailure.TIMEOUT, f.get(30, TimeUnit.SECONDS));
            }
        }
    }

    static CredentialFailure failureOf(CachedCertificateSource src, String url, Deadline d, FetchPriority p) {
        try {
            src.credential(url, Instant.now(), d, p);
            return null;
        } catch (CredentialException e) {
            return e.failure();
        }
    }
}
