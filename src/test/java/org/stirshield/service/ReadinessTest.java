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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.audit.HealthCheck;
import org.stirshield.config.ConfigValues;

/** {@code /health/ready}: ready only with a policy and trust anchors, not while draining; the body says why. */
class ReadinessTest {

    private static HttpResponse<String> get(StirShieldService s, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + s.metrics().port() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void noTrustAnchorsIsNotReadyAndTheBodySaysWhere(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("stirshield.yaml");
        Files.createDirectories(dir.resolve("empty-trust"));
        Files.writeString(config, "verification: {trust_dir: \"%s\"}\naudit: {file: \"%s\"}\nmetrics: {listen: \"127.0.0.1:0\"}\n"
                .formatted(dir.resolve("empty-trust"), dir.resolve("audit.jsonl")));
        try (StirShieldService s = StirShieldService.start(new StirShieldService.Options(config,
                ConfigValues.readYaml(config), null, null))) {
            HttpResponse<String> r = get(s, "/health/ready");
            assertEquals(503, r.statusCode());
            assertTrue(r.body().startsWith("not ready\n"), r.body());
            assertTrue(r.body().contains("trust_anchors: none in " + dir.resolve("empty-trust")), r.body());
            assertEquals(200, get(s, "/health/live").statusCode(), "alive all the same");
            assertTrue(get(s, "/health").body().startsWith("ok\n"), "today's /health unchanged");
        }
    }

    @Test
    void readyUntilTheDrainStarts(@TempDir Path dir) throws Exception {
        org.stirshield.testing.SignedCarrier carrier = new org.stirshield.testing.SignedCarrier(dir);
        Path config = carrier.config("ready", "audit: {file: \"" + carrier.audit("ready") + "\"}\n");
        try (StirShieldService s = StirShieldService.start(new StirShieldService.Options(config,
                ConfigValues.readYaml(config), null, null))) {
            HealthCheck.Readiness before = s.readiness();
            assertTrue(before.ready(), before.body());
            assertTrue(before.body().contains("policy: loaded, ") && before.body().contains("; last reload ok"),
                    before.body());
            assertTrue(before.body().contains("replay: memory (this instance only), window 60 s past iat (at most 121 s)"),
                    before.body());
            assertEquals(200, get(s, "/health/ready").statusCode());
            s.startDrain();
            HttpResponse<String> r = get(s, "/health/ready");
            assertEquals(503, r.statusCode());
            assertTrue(r.body().startsWith("not ready\ndraining: yes"), r.body());
            assertFalse(s.readiness().ready());
        }
    }
}
