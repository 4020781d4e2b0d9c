package org.stirshield.audit;

import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The Prometheus client's JVM and process metrics ({@code jvm_*}, {@code process_*}), built at the first scrape.
 * Building them starts the JDK's management beans (and JFR's), about a third of a second of CPU that {@code serve}
 * keeps off its start-up path and off its first calls (the first scrape, on the metrics endpoint's thread, pays it
 * once); a scrape always sees them complete.
 */
final class JvmMetricsCollector implements MultiCollector {
    private volatile PrometheusRegistry jvm;

    private PrometheusRegistry registry() {
        PrometheusRegistry r = jvm;
        if (r == null) {
            synchronized (this) {
                r = jvm;
                if (r == null) {
                    r = new PrometheusRegistry();
                    JvmMetrics.builder().register(r);
                    jvm = r;
                }
            }
        }
        return r;
    }

    @Override
    public MetricSnapshots collect() {
        return registry().scrape();
    }
}
