package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.stirshield.policy.Decision;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cert.CertificateEvents;
import org.stirshield.cert.CredentialFailure;

/** The metrics endpoint over real HTTP on loopback (port 0: any free port). */
class MetricsTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void healthAnswersOk() throws Exception {
        try (Metrics m = started()) {
            HttpResponse<String> r = get(m, "/health");
            assertEquals(200, r.statusCode());
            assertEquals("ok", r.body().trim());
            assertEquals(404, get(m, "/nothing-here").statusCode());
        }
    }

    @Test
    void callsAreCountedByStatusActionReasonWithLatencyHistogram() throws Exception {
        try (Metrics m = started()) {
            m.callDecided(Fixtures.pass("a", 0), new StageTimings(800, 20, 900));
            m.callDecided(Fixtures.pass("b", 0), new StageTimings(800, 20, 900));
            m.callDecided(Fixtures.spoof("c", "+861012308", "t", "1X", "https://x/", 0, 2), new StageTimings(3000, 20, 3100));
            String body = scrape(m);
            assertEquals(2.0, value(body, "stirshield_calls_total{action=\"allow\",reason=\"verified\",status=\"pass\"}"));
            assertEquals(1.0, value(body, "stirshield_calls_total{action=\"reject\",reason=\"bad_signature\",status=\"fail\"}"));
            assertEquals(1.0, value(body, "stirshield_replayed_calls_total"));
            assertEquals(3.0, value(body, "stirshield_decision_duration_seconds_count{stage=\"total\"}"));
            assertEquals(2.0, value(body, "stirshield_decision_duration_seconds_bucket{stage=\"total\",le=\"0.001\"}"));
            assertEquals(3.0, value(body, "stirshield_decision_duration_seconds_bucket{stage=\"total\",le=\"0.005\"}"));
            assertEquals(0.0049, value(body, "stirshield_decision_duration_seconds_sum{stage=\"total\"}"), 1e-9);
        }
    }

    @Test
    void decisionsCountInTheirOwnSeriesAlsoBeyondTheKeptLabelSets() throws Exception {
        try (Metrics m = started()) {
            int sets = Metrics.MAX_DECIDED_SERIES + 50; // the series of the last 50 are looked up every time
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < sets; i++) {
                    Decision d = Fixtures.unprotected("u" + i);
                    m.callDecided(new Decision(d.call(), d.verdict(), null, d.status(), d.action(), "reason_" + i,
                            d.sipCode(), null, 0), StageTimings.NONE);
                }
            }
            m.callDecided(Fixtures.spoof("c", "+861012308", "t", "1X", "https://x/", 0, 0), StageTimings.NONE);
            m.callDecided(Fixtures.spoof("d", "+861012309", "t", "1X", "https://x/", 0, 0), StageTimings.NONE);
            String body = scrape(m);
            for (int i : new int[] {0, Metrics.MAX_DECIDED_SERIES - 1, sets - 1}) {
                assertEquals(2.0, value(body, "stirshield_calls_total{action=\"allow\",reason=\"reason_" + i
                        + "\",status=\"not_protected\"}"), "reason_" + i);
            }
            assertEquals(2.0, value(body, "stirshield_protected_calls_total{action=\"reject\","
                    + "agency=\"Ministry of Foreign Affairs\",policy=\"strict\",status=\"fail\"}"));
            assertEquals(2.0 * sets + 2, value(body, "stirshield_decision_duration_seconds_count{stage=\"total\"}"));
        }
    }

    @Test
    void certificateAgiAndPolicyMetrics() throws Exception {
        try (Metrics m = started()) {
            CertificateEvents events = m.certificates(); // what the certificate and CRL caches are given
            events.cacheHit();
            events.cacheHit();
            events.cacheMiss();
            events.fetched(CertificateEvents.Fetch.X5U, null, Duration.ofMillis(30));
            events.fetched(CertificateEvents.Fetch.X5U, CredentialFailure.TIMEOUT, Duration.ofMillis(1500));
            events.fetched(CertificateEvents.Fetch.X5U, CredentialFailure.UNTRUSTED_CHAIN, Duration.ofMillis(40));
            events.fetched(CertificateEvents.Fetch.CRL, CredentialFailure.UNREACHABLE, Duration.ofMillis(5));
            events.fetched(CertificateEvents.Fetch.RCD, null, Duration.ofMillis(20));
            events.fetched(CertificateEvents.Fetch.RCD, CredentialFailure.TOO_LARGE, Duration.ofMillis(20));
            m.bindAgi(() -> 1, () -> new Metrics.AgiCounts(5, 2, 1, 1, 0, 0, 0, 3)); // what serve binds: the server's counters
            m.policyReloaded(true);
            m.policyReloaded(false);
            String body = scrape(m);
            assertEquals(2.0, value(body, "stirshield_cert_cache_lookups_total{result=\"hit\"}"));
            assertEquals(1.0, value(body, "stirshield_cert_cache_lookups_total{result=\"miss\"}"));
            assertEquals(1.0, value(body, "stirshield_cert_fetches_total{result=\"ok\",type=\"x5u\"}"));
            assertEquals(1.0, value(body, "stirshield_cert_fetches_total{result=\"timeout\",type=\"x5u\"}"));
            assertEquals(1.0, value(body, "stirshield_cert_fetches_total{result=\"untrusted_chain\",type=\"x5u\"}"));
            assertEquals(1.0, value(body, "stirshield_cert_fetches_total{result=\"unreachable\",type=\"crl\"}"));
            assertEquals(1.0, value(body, "stirshield_cert_fetches_total{result=\"ok\",type=\"rcd\"}"));
            assertEquals(1.0, value(body, "stirshield_cert_fetches_total{result=\"too_large\",type=\"rcd\"}"));
            assertEquals(0.0, value(body, "stirshield_cert_fetches_total{result=\"timeout\",type=\"rcd\"}"), "initialised at 0");
            assertEquals(1.0, value(body, "stirshield_cert_fetch_duration_seconds_bucket{result=\"ok\",type=\"x5u\",le=\"0.05\"}"));
            assertEquals(1.0, value(body, "stirshield_cert_fetch_duration_seconds_bucket{result=\"failed\",type=\"x5u\",le=\"1.0\"}"));
            assertEquals(2.0, value(body, "stirshield_cert_fetch_duration_seconds_bucket{result=\"failed\",type=\"x5u\",le=\"2.0\"}"));
            assertTrue(!body.contains("cert.example"), "no URL labels");
            assertTrue(!body.contains("stirshield_cert_fetch_failures"), "one fetch counter with a result label");
            assertEquals(1.0, value(body, "stirshield_agi_sessions_in_flight"));
            assertEquals(5.0, value(body, "stirshield_agi_connections_total{result=\"accepted\"}"));
            assertEquals(2.0, value(body, "stirshield_agi_connections_total{result=\"refused_not_allowed\"}"));
            assertEquals(1.0, value(body, "stirshield_agi_failsafe_answers_total"));
            assertEquals(3.0, value(body, "stirshield_agi_decisions_off_loop_total"));
            assertEquals(1.0, value(body, "stirshield_policy_reloads_total{result=\"ok\"}"));
            assertEquals(1.0, value(body, "stirshield_policy_reloads_total{result=\"error\"}"));
            assertEquals(0.0, value(body, "stirshield_policy_last_reload_ok"), "the last reload failed");
        }
    }

    @Test
    void auditQueueDepthAndDropsAreExposed() throws Exception {
        AuditLog log = AuditLog.openPaused(AuditSettings.defaults(dir.resolve("a.jsonl")).withQueue(2, Duration.ZERO));
        try (Metrics m = started()) {
            m.bindAudit(log);
            log.record(Fixtures.pass("1", 0), StageTimings.NONE, Instant.now());
            log.record(Fixtures.pass("2", 0), StageTimings.NONE, Instant.now());
            log.record(Fixtures.pass("3", 0), StageTimings.NONE, Instant.now());
            String body = scrape(m);
            assertEquals(2.0, value(body, "stirshield_audit_queue_depth"));
            assertEquals(1.0, value(body, "stirshield_audit_dropped_total"));
            log.close();
            body = scrape(m);
            assertEquals(0.0, value(body, "stirshield_audit_queue_depth"));
            assertEquals(2.0, value(body, "stirshield_audit_records_total"));
        } finally {
            log.close();
        }
    }

    @Test
    void twoInstancesHaveSeparateRegistries() throws Exception {
        try (Metrics a = started(); Metrics b = started()) {
            a.callDecided(Fixtures.pass("a", 0), StageTimings.NONE);
            assertTrue(a.port() != b.port());
            assertEquals(1.0, value(scrape(a), "stirshield_calls_total{action=\"allow\",reason=\"verified\",status=\"pass\"}"));
            assertTrue(!scrape(b).contains("reason=\"verified\""), "b saw nothing");
        }
    }

    @Test
    void disabledMeansNoListenerAndStopClosesThePort() throws Exception {
        try (Metrics m = new Metrics()) {
            m.start(MetricsSettings.disabled());
            assertEquals(-1, m.port());
            m.callDecided(Fixtures.pass("a", 0), StageTimings.NONE); // still usable
        }
        Metrics m = started();
        int port = m.port();
        m.stop();
        assertEquals(-1, m.port());
        assertThrows(IOException.class, () -> HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void buildInfoAndTheClientsJvmAndProcessMetrics() throws Exception {
        try (Metrics m = started()) {
            String body = scrape(m);
            assertEquals(1.0, value(body, "stirshield_build_info{java_version=\"" + System.getProperty("java.version")
                    + "\",version=\"" + Metrics.version() + "\"}"));
            for (String name : List.of("jvm_memory_used_bytes", "jvm_threads_current", "jvm_gc_collection_seconds_count",
                    "jvm_runtime_info", "process_cpu_seconds_total", "process_start_time_seconds",
                    "process_open_fds", "process_resident_memory_bytes")) {
                assertTrue(Pattern.compile("(?m)^" + name + "[{ ]").matcher(body).find(), name + " exported");
            }
        }
    }

    @Test
    void decisionsByAgencyAndPolicyWithBoundedLowercaseLabels() throws Exception {
        try (Metrics m = started()) {
            m.callDecided(Fixtures.pass("a", 0), StageTimings.NONE);
            m.callDecided(Fixtures.spoof("b", "+861012308", "t", "1X", "https://x/", 0, 0), StageTimings.NONE);
            m.callDecided(Fixtures.spoof("c", "+861012308", "t", "1X", "https://x/", 0, 0), StageTimings.NONE);
            m.callDecided(Fixtures.unprotected("d"), StageTimings.NONE);
            String body = scrape(m);
            assertEquals(1.0, value(body, "stirshield_protected_calls_total{action=\"allow\",agency=\"Consular hotline\","
                    + "policy=\"strict\",status=\"pass\"}"));
            assertEquals(2.0, value(body, "stirshield_protected_calls_total{action=\"reject\","
                    + "agency=\"Ministry of Foreign Affairs\",policy=\"strict\",status=\"fail\"}"));
            assertTrue(!body.contains("0312345678") && !body.contains("861012308"), "no number from a call is a label");
            assertEquals(1.0, value(body, "stirshield_calls_total{action=\"allow\",reason=\"missing_identity\","
                    + "status=\"not_protected\"}"), "lowercase");
            // every label value of an enumerated label is lowercase
            Matcher labels = Pattern.compile("(status|action|reason|result|type|stage|kind)=\"([^\"]*)\"").matcher(body);
            while (labels.find()) {
                assertEquals(labels.group(2).toLowerCase(java.util.Locale.ROOT), labels.group(2), labels.group());
            }
        }
        assertEquals("x5u_timeout", Metrics.label("x5u-timeout"));
        assertEquals("not_protected", Metrics.label("NOT_PROTECTED"));
        Metrics.BoundedLabel bounded = new Metrics.BoundedLabel(2);
        assertEquals(List.of("a", "p"), List.of(bounded.of("a", "p")));
        bounded.of("b", "p");
        assertEquals(List.of("other", "other"), List.of(bounded.of("c", "p")), "beyond the bound");
        assertEquals(List.of("a", "p"), List.of(bounded.of("a", "p")), "known pairs stay");
    }

    @Test
    void certificateExpiryIsSecondsUntilTheNearestNotAfter() throws Exception {
        try (Metrics m = started()) {
            Instant inTenDays = Instant.now().plus(Duration.ofDays(10));
            m.bindCertificateExpiry("trust_anchor", () -> inTenDays);
            m.bindCertificateExpiry("pinned", () -> Instant.now().minus(Duration.ofHours(1)));
            m.bindCertificateExpiry("signer", () -> null);
            String body = scrape(m);
            assertEquals(10 * 86_400, value(body, "stirshield_cert_expiry_seconds{type=\"trust_anchor\"}"), 60);
            assertEquals(-3600, value(body, "stirshield_cert_expiry_seconds{type=\"pinned\"}"), 60, "expired: negative");
            assertTrue(!body.contains("type=\"signer\""), "no certificate cached: no series");
        }
    }

    @Test
    void settingsFromConfigAndCommandLine() throws Exception {
        ObjectMapper json = new ObjectMapper();
        MetricsSettings d = MetricsSettings.from(null);
        assertTrue(d.enabled());
        assertEquals("127.0.0.1", d.host());
        assertEquals(9464, d.port());
        MetricsSettings c = MetricsSettings.from(json.readTree("{\"enabled\":\"no\",\"listen\":\"[::1]:9100\"}"));
        assertTrue(!c.enabled());
        assertEquals("::1", c.host());
        assertEquals("[::1]:9100", c.listen());
        assertTrue(!MetricsSettings.resolve("off", null).enabled());
        MetricsSettings cli = MetricsSettings.resolve("127.0.0.2:9999", json.readTree("{\"enabled\":false}"));
        assertTrue(cli.enabled());
        assertEquals(9999, cli.port());
        assertThrows(IllegalArgumentException.class, () -> MetricsSettings.resolve("localhost", null));
        assertThrows(IllegalArgumentException.class, () -> MetricsSettings.resolve("127.0.0.1:70000", null));
    }

    @Test
    void auditSettingsFromConfig() throws Exception {
        ObjectMapper json = new ObjectMapper();
        AuditSettings d = AuditSettings.from(null);
        assertEquals(Path.of("stirshield-audit.jsonl"), d.file());
        assertEquals(100L * 1024 * 1024, d.maxFileSize());
        AuditSettings s = AuditSettings.from(json.readTree(
                "{\"file\":\"/var/log/s/a.jsonl\",\"rolling\":{\"max_file_size\":\"10MiB\",\"max_history\":7,"
                        + "\"compress\":true},\"queue\":{\"capacity\":100,\"max_wait\":\"1s\"}}"));
        assertEquals(Path.of("/var/log/s/a.jsonl"), s.file());
        assertEquals(10L * 1024 * 1024, s.maxFileSize());
        assertEquals(7, s.maxHistory());
        assertTrue(s.compress());
        assertEquals(100, s.queueCapacity());
        assertEquals(Duration.ofSeconds(1), s.maxWait());
        assertEquals(Path.of("cli.jsonl"), AuditSettings.resolve(Path.of("cli.jsonl"), json.readTree("{\"file\":\"x\"}")).file());
        assertThrows(IllegalArgumentException.class, () -> AuditSettings.from(json.readTree("{\"queue\":{\"capacity\":0}}")));
    }

    private static Metrics started() throws IOException {
        Metrics m = new Metrics();
        m.start(new MetricsSettings(true, "127.0.0.1", 0));
        assertTrue(m.port() > 0);
        return m;
    }

    private static HttpResponse<String> get(Metrics m, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + m.port() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String scrape(Metrics m) throws Exception {
        HttpResponse<String> r = get(m, "/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        return r.body();
    }

    /** The value of one sample line, e.g. {@code name{labels} 2.0}. */
    private static double value(String body, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)").matcher(body);
        assertTrue(m.find(), sample + " not in:\n" + body);
        return Double.parseDouble(m.group(1));
    }
}
