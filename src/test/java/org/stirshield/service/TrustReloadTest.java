package org.stirshield.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cert.Deadline;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Decision;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.Pem;
import org.stirshield.testing.MetricsScrape;
import org.stirshield.verify.CallAttempt;

/**
 * A reload (SIGHUP) swaps trust anchors, CRL files and pinned certificates as one set, or keeps the running set
 * when the new one is invalid. A pinned URL is a local file whatever its scheme. No policy file: nothing is
 * protected, and /health says so.
 */
class TrustReloadTest {
    private static final String X5U = "http://cert.example/sti.pem"; // pinned: never fetched, so http is fine

    @TempDir
    Path dir;

    @Test
    void reloadSwapsTheTrustSetOrKeepsTheOldOne() throws Exception {
        CertificateAuthority rootA = CertificateAuthority.root("Reload Test Root A");
        CertificateAuthority rootB = CertificateAuthority.root("Reload Test Root B");
        LeafCertificate leaf = rootA.issueLeaf(LeafSpec.spc("4321"));
        Path trust = Files.createDirectories(dir.resolve("trust"));
        Files.writeString(trust.resolve("a.pem"), Pem.certificate(rootA.certificate()));
        Files.writeString(dir.resolve("chain.pem"), leaf.chainPem());
        Path config = dir.resolve("stirshield.yaml");
        Files.writeString(config, """
                verification: {trust_dir: trust}
                certificates: {pinned: {"%s": chain.pem}}
                audit: {file: audit.jsonl}
                metrics: {listen: "127.0.0.1:0"}
                """.formatted(X5U));
        StirShieldService service = StirShieldService.start(new StirShieldService.Options(config,
                ConfigValues.readYaml(config), null, null));
        try {
            String jws = PassportSigner.shaken(leaf.privateKey(), X5U, "A", "12025550123", List.of("12155550100"),
                    Instant.now().getEpochSecond(), null);
            CallAttempt call = new CallAttempt("+12025550123", "+12155550100", List.of(PassportSigner.identityHeader(jws,
                    X5U)), null, "carrier", "1.1", "PJSIP/a-1");
            assertEquals("verified", screen(service, call).reason(), "root A trusted, pinned http x5u served from its file");

            int port = service.metrics().port();
            String health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/health")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(health.startsWith("ok\n") && health.contains("warning: policy: no policy file: no number is "
                    + "protected"), health);
            assertEquals("NOT_PROTECTED", screen(service, call).status());

            // root A replaced by root B: the cached credential was validated under A and must not survive
            Files.delete(trust.resolve("a.pem"));
            Files.writeString(trust.resolve("b.pem"), Pem.certificate(rootB.certificate()));
            assertTrue(service.reloadTrust());
            assertEquals("untrusted_chain", screen(service, call).reason());

            // an invalid new set (a broken PEM file beside A): refused, B stays in force
            Files.writeString(trust.resolve("a.pem"), Pem.certificate(rootA.certificate()));
            Files.writeString(trust.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
            assertEquals(1, MetricsScrape.value(port, "stirshield_trust_last_reload_ok"), "before: the good reload");
            double before = MetricsScrape.value(port, "stirshield_trust_last_reload_timestamp_seconds");
            assertFalse(service.reloadTrust());
            assertEquals("untrusted_chain", screen(service, call).reason(), "the old set (B only) stays in force");
            // the refused reload is visible to monitoring: gauge 0, counted, a warning on /health and /health/ready
            // (still 200 there: the old set decides calls as before)
            assertEquals(0, MetricsScrape.value(port, "stirshield_trust_last_reload_ok"));
            assertEquals(1, MetricsScrape.value(port, "stirshield_trust_reloads_total{result=\"error\"}"));
            assertTrue(MetricsScrape.value(port, "stirshield_trust_last_reload_timestamp_seconds") >= before);
            health = MetricsScrape.get(port, "/health").body();
            assertTrue(health.startsWith("ok\n") && health.contains("warning: trust reload: refused at ")
                    && health.contains("broken.pem") && health.contains("stay in force"), health);
            HttpResponse<String> ready = MetricsScrape.get(port, "/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("warning: trust reload: refused at ")
                    && ready.body().contains("trust_anchors: 1 loaded; last reload refused ("), ready.body());
            // so is a configuration file that no longer parses
            Files.delete(trust.resolve("broken.pem"));
            String good = Files.readString(config);
            Files.writeString(config, good + "verification2: {}\n");
            assertFalse(service.reloadTrust());
            assertEquals("untrusted_chain", screen(service, call).reason());

            Files.writeString(config, good);
            assertTrue(service.reloadTrust());
            assertEquals("verified", screen(service, call).reason(), "A and B trusted again");
            assertEquals(1, MetricsScrape.value(port, "stirshield_trust_last_reload_ok"));
            assertEquals(2, MetricsScrape.value(port, "stirshield_trust_reloads_total{result=\"error\"}"));
            assertFalse(MetricsScrape.get(port, "/health").body().contains("trust reload"), "the warning is gone");
            assertTrue(MetricsScrape.get(port, "/health/ready").body().contains("trust_anchors: 2 loaded; last reload ok"));

            // pinned certificates reload too: the pin now points at a chain from B's hierarchy
            LeafCertificate leafB = rootB.issueLeaf(LeafSpec.spc("9999"));
            Files.writeString(dir.resolve("chain.pem"), leafB.chainPem());
            assertTrue(service.reloadTrust());
            assertEquals("bad_signature", screen(service, call).reason(), "signed by A's leaf, checked with B's key");
        } finally {
            service.close();
        }
    }

    private static Decision screen(StirShieldService service, CallAttempt call) {
        return service.screener().screen(call, Deadline.in(Duration.ofSeconds(5)));
    }
}
