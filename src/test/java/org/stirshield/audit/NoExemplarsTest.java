package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.tracer.common.SpanContext;
import io.prometheus.metrics.tracer.initializer.SpanContextSupplier;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * StirShield's metrics carry no exemplars (src/main/resources/prometheus.properties): even with a sampled trace
 * current, an OpenMetrics scrape shows none, while a counter that asks for exemplars itself does get one (so the
 * trace below is one the client would use).
 */
class NoExemplarsTest {
    /** A current, sampled OpenTelemetry span, as a tracer agent would supply it. */
    private static final SpanContext SAMPLED = new SpanContext() {
        @Override
        public String getCurrentTraceId() {
            return "4bf92f3577b34da6a3ce929d0e0e4736";
        }

        @Override
        public String getCurrentSpanId() {
            return "00f067aa0ba902b7";
        }

        @Override
        public boolean isCurrentSpanSampled() {
            return true;
        }

        @Override
        public void markCurrentSpanAsExemplar() {
        }
    };

    @Test
    void theClientIsConfiguredWithoutExemplars() {
        assertEquals(Boolean.FALSE, PrometheusProperties.get().getDefaultMetricProperties().getExemplarsEnabled());
    }

    @Test
    void aScrapeShowsNoExemplarEvenWithASampledTrace() throws Exception {
        SpanContextSupplier.setSpanContext(SAMPLED);
        try (Metrics m = new Metrics()) {
            m.start(new MetricsSettings(true, "127.0.0.1", 0));
            m.callDecided(Fixtures.pass("a", 0), new StageTimings(800, 20, 900));
            m.policyReloaded(true);

            PrometheusRegistry control = new PrometheusRegistry();
            Counter.builder().name("control").withExemplars().register(control).inc();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new OpenMetricsTextFormatWriter(false, false).write(out, control.scrape());
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\""),
                    "the control counter's exemplar:\n" + out);

            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + m.port() + "/metrics"))
                    .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
            assertTrue(r.body().contains("stirshield_calls_total{"), r.body());
            assertFalse(r.body().contains("trace_id"), r.body());
        } finally {
            SpanContextSupplier.setSpanContext(null);
        }
    }
}
