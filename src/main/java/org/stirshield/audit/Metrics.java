package org.stirshield.audit;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.stirshield.cert.CertificateEvents;
import org.stirshield.cert.CredentialFailure;
import org.stirshield.policy.Decision;

/**
 * StirShield's operational metrics and the HTTP endpoint that serves them: {@code /metrics} in the
 * Prometheus text format, {@code /health} and {@code /health/live} (200 {@code ok}, with a warning line while
 * audit records cannot be written) and {@code /health/ready} (from the bound {@link HealthCheck}).
 *
 * <p>Owns a private {@link PrometheusRegistry} (never the global default), so several instances can live
 * in one JVM. The recording methods are cheap and thread-safe and work whether or not the endpoint runs.
 * It is the certificate cache's {@link CertificateEvents} listener: pass the instance to the cache.
 */
public final class Metrics implements AutoCloseable, CertificateEvents {
    private static final int MAX_LABEL = 64;
    private static final double[] LATENCY_BOUNDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
    };

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter calls;
    private final Counter replayedCalls;
    private final Histogram decisionSeconds;
    private final Counter certCache;
    private final Counter certFetches;
    private final Histogram certFetchSeconds;
    private final Counter certFetchFailures;
    private final Counter certFetchNoSlot;
    private final java.util.Map<String, String> healthWarnings = new java.util.concurrent.ConcurrentSkipListMap<>();
    private volatile java.util.function.IntSupplier agiInFlight;
    private volatile java.util.function.Supplier<AgiCounts> agiCounts;
    private final Counter policyReloads;
    private final Gauge policyLastOk;
    private final Gauge policyLastReloadTime;
    private volatile AuditLog audit;
    private volatile ReplayDetector replay;
    private volatile HealthCheck health;
    private HTTPServer server;

    public Metrics() {
        calls = Counter.builder().name("stirshield_calls")
                .help("Call decisions by STIR_STATUS, STIR_ACTION and STIR_REASON")
                .labelNames("status", "action", "reason").register(registry);
        replayedCalls = Counter.builder().name("stirshield_replayed_calls")
                .help("Calls whose signed PASSporT was already seen on another call within its freshness window")
                .register(registry);
        decisionSeconds = Histogram.builder().name("stirshield_decision_duration_seconds")
                .help("Time to decide one call, by stage (verify, policy, total)")
                .unit(Unit.SECONDS).labelNames("stage").classicOnly().classicUpperBounds(LATENCY_BOUNDS)
                .register(registry);
        certCache = Counter.builder().name("stirshield_cert_cache_lookups")
                .help("Certificate cache lookups by result (hit, miss)")
                .labelNames("result").register(registry);
        certFetches = Counter.builder().name("stirshield_cert_fetches")
                .help("Certificates fetched from x5u URLs successfully").register(registry);
        certFetchSeconds = Histogram.builder().name("stirshield_cert_fetch_duration_seconds")
                .help("Time to load a certificate from its x5u URL, by result (ok, failed)").unit(Unit.SECONDS)
                .labelNames("result").classicOnly()
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10)
                .register(registry);
        certFetchFailures = Counter.builder().name("stirshield_cert_fetch_failures")
                .help("Certificate loads that failed, by CredentialFailure").labelNames("kind").register(registry);
        certFetchNoSlot = Counter.builder().name("stirshield_cert_fetch_no_slot")
                .help("Certificate loads that found no fetch slot within the fetch timeout (too many fetches in flight "
                        + "in all or for their host): answered x5u timeout, not remembered").register(registry);
        GaugeWithCallback.builder().name("stirshield_agi_sessions_in_flight")
                .help("FastAGI sessions being served now")
                .callback(cb -> cb.call(agiInFlight == null ? 0 : agiInFlight.getAsInt()))
                .register(registry);
        CounterWithCallback.builder().name("stirshield_agi_connections")
                .help("FastAGI connections by result (accepted, refused_not_allowed, refused_busy)")
                .labelNames("result")
                .callback(cb -> {
                    AgiCounts c = agiCounts == null ? null : agiCounts.get();
                    if (c != null) {
                        cb.call(c.accepted(), "accepted");
                        cb.call(c.refusedNotAllowed(), "refused_not_allowed");
                        cb.call(c.refusedBusy(), "refused_busy");
                    }
                }).register(registry);
        CounterWithCallback.builder().name("stirshield_agi_failsafe_answers")
                .help("Calls answered fail-safe because the decision missed its deadline")
                .callback(cb -> {
                    AgiCounts c = agiCounts == null ? null : agiCounts.get();
                    cb.call(c == null ? 0 : c.deadlineFailsafe());
                }).register(registry);
        policyReloads = Counter.builder().name("stirshield_policy_reloads")
                .help("Policy file (re)loads by result (ok, error)").labelNames("result").register(registry);
        policyLastOk = Gauge.builder().name("stirshield_policy_last_reload_ok")
                .help("1 if the last policy (re)load succeeded, 0 if it failed (the previous policy stays)")
                .register(registry);
        policyLastReloadTime = Gauge.builder().name("stirshield_policy_last_reload_timestamp_seconds")
                .help("When the policy was last (re)loaded, successfully or not").register(registry);
        GaugeWithCallback.builder().name("stirshield_audit_queue_depth")
                .help("Audit records waiting for the writer")
                .callback(cb -> cb.call(audit == null ? 0 : audit.queueDepth())).register(registry);
        CounterWithCallback.builder().name("stirshield_audit_dropped")
                .help("Audit records not in the file: queue full beyond max_wait, offered after close, or their write "
                        + "failed (disk full, I/O error); records + dropped = calls")
                .callback(cb -> cb.call(audit == null ? 0 : audit.dropped())).register(registry);
        CounterWithCallback.builder().name("stirshield_audit_records")
                .help("Audit records written whole to the file").callback(cb -> cb.call(audit == null ? 0 : audit.written()))
                .register(registry);
        GaugeWithCallback.builder().name("stirshield_audit_degraded")
                .help("1 while audit records cannot be written (disk full, I/O error) and are being counted as dropped")
                .callback(cb -> cb.call(audit == null || audit.degraded() == null ? 0 : 1)).register(registry);
        CounterWithCallback.builder().name("stirshield_audit_write_errors")
                .help("Audit writes or flushes that failed (I/O errors)")
                .callback(cb -> cb.call(audit == null ? 0 : audit.writeErrors())).register(registry);
        GaugeWithCallback.builder().name("stirshield_replay_cache_entries")
                .help("PASSporTs remembered for replay detection")
                .callback(cb -> cb.call(replay == null ? 0 : replay.size())).register(registry);
    }

    /** The private registry (for tests and for adding metrics elsewhere). */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** Exposes the audit log's queue depth, dropped, written and error counts. */
    public void bindAudit(AuditLog log) {
        this.audit = log;
    }

    /** Exposes the replay cache's size. */
    public void bindReplayDetector(ReplayDetector detector) {
        this.replay = detector;
    }

    /**
     * FastAGI server counters, read when Prometheus scrapes.
     *
     * @param accepted sessions admitted
     * @param refusedNotAllowed connections closed at accept because the source is not allow-listed
     * @param refusedBusy connections closed at accept because max_sessions was reached
     * @param deadlineFailsafe calls answered fail-safe because the decision missed its deadline
     */
    public record AgiCounts(long accepted, long refusedNotAllowed, long refusedBusy, long deadlineFailsafe) {
    }

    /** Reads sessions in flight and connection counters from the FastAGI server (the agi adapter owns them). */
    public void bindAgi(java.util.function.IntSupplier inFlight, java.util.function.Supplier<AgiCounts> counts) {
        this.agiInFlight = inFlight;
        this.agiCounts = counts;
    }

    /** One call decided: {@code stirshield_calls_total} and the latency histogram. */
    public void callDecided(Decision d, StageTimings t) {
        if (d == null) {
            return;
        }
        calls.labelValues(label(d.status()), label(d.action() == null ? null : d.action().token()), label(d.reason()))
                .inc();
        if (d.replayCount() > 0) {
            replayedCalls.inc();
        }
        if (t != null) {
            decisionSeconds.labelValues("verify").observe(t.verifyMicros() / 1e6);
            decisionSeconds.labelValues("policy").observe(t.policyMicros() / 1e6);
            decisionSeconds.labelValues("total").observe(t.totalMicros() / 1e6);
        }
    }

    /** {@link CertificateEvents}: a call was answered from the certificate cache. */
    @Override
    public void cacheHit() {
        certCache.labelValues("hit").inc();
    }

    /** {@link CertificateEvents}: a call found nothing usable in the cache and waited for a load. */
    @Override
    public void cacheMiss() {
        certCache.labelValues("miss").inc();
    }

    /**
     * {@link CertificateEvents}: one fetch succeeded. The URL is not a label: x5u values are chosen by callers
     * (unbounded cardinality); the audit records and the report break failures down by x5u host instead.
     */
    @Override
    public void fetched(Duration latency, String url) {
        certFetches.inc();
        if (latency != null) {
            certFetchSeconds.labelValues("ok").observe(latency.toNanos() / 1e9);
        }
    }

    /** {@link CertificateEvents}: one load failed (fetch, parse or validation). */
    @Override
    public void fetchFailed(CredentialFailure failure, Duration latency) {
        certFetchFailures.labelValues(label(failure == null ? null : failure.name())).inc();
        if (latency != null) {
            certFetchSeconds.labelValues("failed").observe(latency.toNanos() / 1e9);
        }
    }

    /** {@link CertificateEvents}: a load found no fetch slot in time (local congestion). */
    @Override
    public void fetchSlotUnavailable() {
        certFetchNoSlot.inc();
    }

    /** The policy was (re)loaded; {@code ok} false when the new file was rejected. */
    public void policyReloaded(boolean ok) {
        policyReloads.labelValues(ok ? "ok" : "error").inc();
        policyLastOk.set(ok ? 1 : 0);
        policyLastReloadTime.set(System.currentTimeMillis() / 1000.0);
    }

    /** Starts the HTTP endpoint when {@code settings.enabled()}; no-op otherwise. */
    public synchronized void start(MetricsSettings settings) throws IOException {
        if (!settings.enabled() || server != null) {
            return;
        }
        // a small bounded pool: a scraper flood cannot take threads from call handling
        ExecutorService pool = new ThreadPoolExecutor(1, 2, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(64),
                r -> {
                    Thread t = new Thread(r, "stirshield-metrics-http");
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.CallerRunsPolicy()); // a full queue slows the acceptor, never drops silently
        try {
            server = HTTPServer.builder()
                    .inetAddress(InetAddress.getByName(settings.host()))
                    .port(settings.port())
                    .registry(registry)
                    .executorService(pool)
                    .defaultHandler(this::handleOther)
                    .buildAndStart();
        } catch (IOException | RuntimeException e) {
            pool.shutdownNow();
            throw new IOException("metrics: cannot listen on " + settings.listen() + ": " + e.getMessage(), e);
        }
    }

    /**
     * What is wrong now that an operator must act on, or null: the audit log cannot write (records are being
     * lost). Calls are still answered meanwhile; {@code /health} and {@code /health/live} show it as a warning,
     * {@code /health/ready} as not ready.
     */
    public String degraded() {
        AuditLog a = audit;
        return a == null ? null : a.degraded();
    }

    /**
     * A standing condition an operator must see on {@code /health} (still 200: the service works), e.g. no
     * policy file; replaces an earlier warning with the same {@code key}.
     */
    public void healthWarning(String key, String text) {
        healthWarnings.put(key, text);
    }

    /** What {@code /health/ready} reports (see {@link HealthCheck}); unbound: always ready. */
    public void bindHealth(HealthCheck check) {
        this.health = check;
    }

    /**
     * {@code /health} and {@code /health/live}: 200 ok (the process serves) plus one {@code warning:} line per
     * standing condition; {@code /health/ready}: 200 or 503 from the bound {@link HealthCheck}, with the same
     * warning lines; anything else but {@code /metrics}: 404.
     */
    private void handleOther(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            StringBuilder warnings = new StringBuilder();
            String audit = degraded();
            if (audit != null) {
                warnings.append("warning: audit: ").append(audit).append(" (records are counted as dropped)\n");
            }
            healthWarnings.forEach((k, v) -> warnings.append("warning: ").append(k).append(": ").append(v).append('\n'));
            int status = 404;
            String text = "not found; try /metrics, /health/live or /health/ready\n";
            if ("/health".equals(path) || "/health/live".equals(path)) {
                status = 200;
                text = "ok\n" + warnings;
            } else if ("/health/ready".equals(path)) {
                HealthCheck h = health;
                HealthCheck.Readiness r;
                try {
                    r = h == null ? new HealthCheck.Readiness(true, "ready\n") : h.check();
                } catch (RuntimeException e) {
                    r = new HealthCheck.Readiness(false, "not ready\nhealth check failed: " + e + "\n");
                }
                status = r.ready() ? 200 : 503;
                text = r.body() + warnings;
            }
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            boolean head = "HEAD".equals(ex.getRequestMethod());
            ex.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(body);
                }
            }
        }
    }

    /** The port the endpoint is bound to, or -1 when it does not run. */
    public synchronized int port() {
        return server == null ? -1 : server.getPort();
    }

    /** Stops the HTTP endpoint (the metrics stay usable). */
    public synchronized void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static String label(String v) {
        if (v == null || v.isEmpty()) {
            return "none";
        }
        return v.length() <= MAX_LABEL ? v : v.substring(0, MAX_LABEL);
    }
}
