package org.stirshield.audit;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.cert.CertificateEvents;
import org.stirshield.cert.CredentialFailure;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;

/**
 * StirShield's operational metrics and the HTTP endpoint that serves them: {@code /metrics} in the
 * Prometheus text format and {@code /health} (200 {@code ok}) for liveness. docs/metrics.md lists every
 * metric and the conventions new ones follow.
 *
 * <p>Conventions: names {@code stirshield_<area>_<what>[_<unit>]} ({@code _total} added to counters by the
 * client), base units (seconds, bytes); label values are lowercase {@code snake_case} tokens from a fixed set
 * ({@link #label}), except {@code agency} and {@code policy}, which are the names the operator's policy file
 * gives (never anything from a call) and are bounded ({@link BoundedLabel}); state owned elsewhere (queues,
 * caches, the FastAGI server) is read when Prometheus scrapes, through a {@code bind...} method and a
 * {@code *WithCallback} metric, so the owner keeps no reference to the registry.
 *
 * <p>Owns a private {@link PrometheusRegistry} (never the global default), so several instances can live in
 * one JVM; the JVM and process metrics of the client's own instrumentation ({@code jvm_*}, {@code process_*})
 * are registered in it too. The recording methods are cheap and thread-safe and work whether or not the
 * endpoint runs. {@link #certificates()} is the certificate caches' {@link CertificateEvents} listener.
 */
public final class Metrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Metrics.class);
    private static final int MAX_LABEL = 64;
    /** Distinct agency/policy pairs counted separately; more (a huge policy file) are counted as {@code other}. */
    static final int MAX_AGENCIES = 500;
    private static final double[] LATENCY_BOUNDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
    };

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter calls;
    private final Counter protectedCalls;
    private final BoundedLabel agencies = new BoundedLabel(MAX_AGENCIES);
    private final Counter replayedCalls;
    private final Histogram decisionSeconds;
    private final DistributionDataPoint verifySeconds;
    private final DistributionDataPoint policySeconds;
    private final DistributionDataPoint totalSeconds;
    /** Most label sets whose series {@link #callDecided} keeps. */
    static final int MAX_DECIDED_SERIES = 4096;
    private final Map<DecidedKey, DecidedSeries> decidedSeries = new ConcurrentHashMap<>();
    private final Counter certCache;
    private final Counter certFetches;
    private final Histogram certFetchSeconds;
    private final Counter certFetchNoSlot;
    private final Map<String, Supplier<Instant>> expiries = new ConcurrentHashMap<>();
    private final CertificateEvents certificateEvents;
    private final java.util.Map<String, String> healthWarnings = new java.util.concurrent.ConcurrentSkipListMap<>();
    private volatile java.util.function.IntSupplier agiInFlight;
    private volatile java.util.function.Supplier<AgiCounts> agiCounts;
    private final Counter policyReloads;
    private final Gauge policyLastOk;
    private final Gauge policyLastReloadTime;
    private final Counter trustReloads;
    private final Gauge trustLastOk;
    private final Gauge trustLastReloadTime;
    private volatile AuditLog audit;
    private volatile ReplayDetector replay;
    private volatile HealthCheck health;
    private HTTPServer server;
    private final JvmMetricsCollector jvmMetrics = new JvmMetricsCollector();

    public Metrics() {
        Info.builder().name("stirshield_build_info")
                .help("The running StirShield: version, and the Java runtime it runs on")
                .labelNames("version", "java_version").register(registry)
                .addLabelValues(version(), System.getProperty("java.version", "unknown"));
        registry.register(jvmMetrics); // built at the first scrape, off serve's start-up path
        calls = Counter.builder().name("stirshield_calls")
                .help("Call decisions by STIR_STATUS, STIR_ACTION and STIR_REASON (lowercase)")
                .labelNames("status", "action", "reason").register(registry);
        protectedCalls = Counter.builder().name("stirshield_protected_calls")
                .help("Decisions on calls claiming a protected number, by the agency and policy of the policy file, "
                        + "STIR_STATUS and STIR_ACTION")
                .labelNames("agency", "policy", "status", "action").register(registry);
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
                .help("Fetches of x5u certificates, CRLs and RCD content by type (x5u, crl, rcd) and result: ok, or "
                        + "why it failed (timeout, unreachable, http_status, too_large, untrusted_chain, ...)")
                .labelNames("type", "result").register(registry);
        certFetchSeconds = Histogram.builder().name("stirshield_cert_fetch_duration_seconds")
                .help("Time to fetch an x5u certificate chain, a CRL or RCD content, by type (x5u, crl, rcd) and "
                        + "result (ok, failed)")
                .unit(Unit.SECONDS).labelNames("type", "result").classicOnly()
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10)
                .register(registry);
        GaugeWithCallback.builder().name("stirshield_cert_expiry_seconds")
                .help("Seconds until the nearest notAfter among the configured trust anchors (type trust_anchor), "
                        + "the pinned certificates (pinned) and the signer certificates in the cache (signer); "
                        + "negative once expired; absent when there are none")
                .labelNames("type")
                .callback(cb -> {
                    long now = System.currentTimeMillis();
                    expiries.forEach((type, nearest) -> {
                        Instant t = nearestQuietly(nearest);
                        if (t != null) {
                            cb.call((t.toEpochMilli() - now) / 1000.0, type);
                        }
                    });
                }).register(registry);
        // Known label values start at 0, so that rate() and alerts see the first fetch failure, not only the second.
        for (CertificateEvents.Fetch f : CertificateEvents.Fetch.values()) {
            String type = label(f.name());
            certFetches.initLabelValues(type, "ok");
            for (CredentialFailure failure : CredentialFailure.values()) {
                certFetches.initLabelValues(type, label(failure.name()));
            }
            certFetchSeconds.initLabelValues(type, "ok");
            certFetchSeconds.initLabelValues(type, "failed");
        }
        CounterDataPoint cacheHits = certCache.labelValues("hit"); // per signed call: looked up once
        CounterDataPoint cacheMisses = certCache.labelValues("miss");
        verifySeconds = decisionSeconds.labelValues("verify");
        policySeconds = decisionSeconds.labelValues("policy");
        totalSeconds = decisionSeconds.labelValues("total");
        certFetchNoSlot = Counter.builder().name("stirshield_cert_fetch_no_slot")
                .help("x5u loads that found no fetch slot within the fetch timeout (too many fetches in flight in all "
                        + "or for their host): answered as a timeout, not remembered").register(registry);
        certificateEvents = new CertificateEvents() {
            @Override
            public void cacheHit() {
                cacheHits.inc();
            }

            @Override
            public void cacheMiss() {
                cacheMisses.inc();
            }

            @Override
            public void fetchSlotUnavailable() {
                certFetchNoSlot.inc();
            }

            @Override
            public void fetched(Fetch what, CredentialFailure failure, Duration latency) {
                String type = label(what.name());
                certFetches.labelValues(type, failure == null ? "ok" : label(failure.name())).inc();
                if (latency != null) {
                    certFetchSeconds.labelValues(type, failure == null ? "ok" : "failed").observe(latency.toNanos() / 1e9);
                }
            }
        };
        GaugeWithCallback.builder().name("stirshield_agi_sessions_in_flight")
                .help("FastAGI sessions being served now")
                .callback(cb -> cb.call(agiInFlight == null ? 0 : agiInFlight.getAsInt()))
                .register(registry);
        CounterWithCallback.builder().name("stirshield_agi_connections")
                .help("FastAGI connections by result (accepted, refused_not_allowed, refused_busy; of the accepted: "
                        + "evicted before their request was complete, silent: closed without sending anything)")
                .labelNames("result")
                .callback(cb -> {
                    AgiCounts c = agiCounts == null ? null : agiCounts.get();
                    if (c != null) {
                        cb.call(c.accepted(), "accepted");
                        cb.call(c.refusedNotAllowed(), "refused_not_allowed");
                        cb.call(c.refusedBusy(), "refused_busy");
                        cb.call(c.evicted(), "evicted");
                        cb.call(c.silent(), "silent");
                    }
                }).register(registry);
        CounterWithCallback.builder().name("stirshield_agi_command_errors")
                .help("AGI commands Asterisk answered with an error (510, 511, 520) or something unreadable")
                .callback(cb -> {
                    AgiCounts c = agiCounts == null ? null : agiCounts.get();
                    cb.call(c == null ? 0 : c.commandErrors());
                }).register(registry);
        CounterWithCallback.builder().name("stirshield_agi_decisions_off_loop")
                .help("Calls whose decision had to wait (a certificate, CRL or RCD content fetch) and ran on a thread "
                        + "of its own instead of the FastAGI event loop")
                .callback(cb -> {
                    AgiCounts c = agiCounts == null ? null : agiCounts.get();
                    cb.call(c == null ? 0 : c.decidedOffLoop());
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
        policyReloads.initLabelValues("ok");
        policyReloads.initLabelValues("error");
        trustReloads = Counter.builder().name("stirshield_trust_reloads")
                .help("SIGHUP reloads of the trust anchors, CRL files and pinned certificates by result (ok, error)")
                .labelNames("result").register(registry);
        trustLastOk = Gauge.builder().name("stirshield_trust_last_reload_ok")
                .help("1 if the last load of the trust anchors, CRL files and pinned certificates succeeded, 0 if a "
                        + "reload was refused (the previous set stays in force)")
                .register(registry);
        trustLastReloadTime = Gauge.builder().name("stirshield_trust_last_reload_timestamp_seconds")
                .help("When the trust anchors, CRL files and pinned certificates were last (re)loaded, successfully or not")
                .register(registry);
        trustReloads.initLabelValues("ok");
        trustReloads.initLabelValues("error");
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
                .help("Audit writes that failed (disk full, I/O errors); each loses the records of its batch not written")
                .callback(cb -> cb.call(audit == null ? 0 : audit.writeErrors())).register(registry);
        GaugeWithCallback.builder().name("stirshield_replay_cache_entries")
                .help("PASSporTs held in memory for replay detection: in their window, and expired ones not yet deleted (a few"
                        + " slots are swept per call)")
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
    public record AgiCounts(long accepted, long refusedNotAllowed, long refusedBusy, long deadlineFailsafe,
            long evicted, long silent, long commandErrors, long decidedOffLoop) {
        /** Counts of a server that does not report evictions, silent connections, command errors or where it decided. */
        public AgiCounts(long accepted, long refusedNotAllowed, long refusedBusy, long deadlineFailsafe) {
            this(accepted, refusedNotAllowed, refusedBusy, deadlineFailsafe, 0, 0, 0, 0);
        }
    }

    /** Reads sessions in flight and connection counters from the FastAGI server (the agi adapter owns them). */
    public void bindAgi(java.util.function.IntSupplier inFlight, java.util.function.Supplier<AgiCounts> counts) {
        this.agiInFlight = inFlight;
        this.agiCounts = counts;
    }

    /**
     * One call decided: {@code stirshield_calls_total}, {@code stirshield_protected_calls_total} when it claimed a
     * protected number, and the latency histogram.
     */
    public void callDecided(Decision d, StageTimings t) {
        if (d == null) {
            return;
        }
        DecidedSeries series = decided(d);
        series.calls().inc();
        if (series.protectedCalls() != null) {
            series.protectedCalls().inc();
        }
        if (d.replayCount() > 0) {
            replayedCalls.inc();
        }
        if (t != null) {
            verifySeconds.observe(t.verifyMicros() / 1e6);
            policySeconds.observe(t.policyMicros() / 1e6);
            totalSeconds.observe(t.totalMicros() / 1e6);
        }
    }

    /**
     * The series a decision counts in, looked up once per distinct label set and kept: the lookup lowercases
     * three labels and asks the client for the children, which per call costs more than the counting. Bounded:
     * past {@value #MAX_DECIDED_SERIES} label sets (there are far fewer: statuses, actions and reasons are fixed
     * sets, agencies bounded by {@link BoundedLabel}) the series are looked up each time.
     */
    private DecidedSeries decided(Decision d) {
        ProtectedMatch m = d.match();
        DecidedKey key = new DecidedKey(d.status(), d.action(), d.reason(), m == null ? null : m.agency(),
                m == null ? null : m.policy(), m != null);
        DecidedSeries s = decidedSeries.get(key);
        if (s == null) {
            String status = label(d.status());
            String action = label(d.action() == null ? null : d.action().token());
            CounterDataPoint protectedPoint = null;
            if (m != null) {
                String[] names = agencies.of(name(m.agency()), name(m.policy()));
                protectedPoint = protectedCalls.labelValues(names[0], names[1], status, action);
            }
            s = new DecidedSeries(calls.labelValues(status, action, label(d.reason())), protectedPoint);
            if (decidedSeries.size() < MAX_DECIDED_SERIES) {
                decidedSeries.putIfAbsent(key, s);
            }
        }
        return s;
    }

    /** What selects a decision's series (the raw values: labels are derived from them). */
    private record DecidedKey(String status, org.stirshield.policy.Action action, String reason, String agency,
            String policy, boolean claimsProtected) {
    }

    private record DecidedSeries(CounterDataPoint calls, CounterDataPoint protectedCalls) {
    }

    /**
     * The certificate, CRL and RCD content caches' listener: certificate cache hits and misses, and one
     * {@code stirshield_cert_fetches_total} count per fetch with its type and result. The URL is never a label: x5u values are chosen by callers (unbounded
     * cardinality); the audit records and the report break failures down by x5u host instead.
     */
    public CertificateEvents certificates() {
        return certificateEvents;
    }

    /**
     * Exposes the nearest expiry of a set of certificates as {@code stirshield_cert_expiry_seconds{type}}, read
     * at each scrape (so a reloaded set is seen at once).
     *
     * @param type {@code trust_anchor}, {@code pinned} or {@code signer}
     * @param nearestNotAfter the earliest notAfter now, or null when there is no certificate
     */
    public void bindCertificateExpiry(String type, Supplier<Instant> nearestNotAfter) {
        expiries.put(label(type), nearestNotAfter);
    }

    private static Instant nearestQuietly(Supplier<Instant> s) {
        try {
            return s.get();
        } catch (RuntimeException e) {
            return null; // a scrape never fails for one source
        }
    }

    /** The policy was (re)loaded; {@code ok} false when the new file was rejected. */
    public void policyReloaded(boolean ok) {
        policyReloads.labelValues(ok ? "ok" : "error").inc();
        policyLastOk.set(ok ? 1 : 0);
        policyLastReloadTime.set(System.currentTimeMillis() / 1000.0);
    }

    /** The trust anchors, CRL files and pinned certificates were loaded at start-up (the service refuses to start otherwise). */
    public void trustLoaded() {
        trustLastOk.set(1);
        trustLastReloadTime.set(System.currentTimeMillis() / 1000.0);
    }

    /**
     * A SIGHUP reload of the trust anchors, CRL files and pinned certificates: counted, the gauges set, and while
     * the last one was refused a {@code warning: trust reload} line on {@code /health} and {@code /health/ready}
     * (the instance stays ready: the previous set is still in force).
     *
     * @param why why it was refused (file:line), or null when {@code ok}
     */
    public void trustReloaded(boolean ok, String why) {
        trustReloads.labelValues(ok ? "ok" : "error").inc();
        trustLastOk.set(ok ? 1 : 0);
        trustLastReloadTime.set(System.currentTimeMillis() / 1000.0);
        if (ok) {
            healthWarnings.remove(TRUST_RELOAD);
        } else {
            healthWarnings.put(TRUST_RELOAD, "refused at " + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    + " (" + why + "); the previous trust anchors, CRL files and pinned certificates stay in force");
        }
    }

    private static final String TRUST_RELOAD = "trust reload";

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
        String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
        LOG.info("metrics on http://{}:{}/metrics, liveness on /health", host, server.getPort());
    }

    /**
     * A standing condition an operator must see on {@code /health} (still 200: the service works), e.g. no
     * policy file; replaces an earlier warning with the same {@code key}.
     */
    public void healthWarning(String key, String text) {
        healthWarnings.put(key, text);
    }

    /**
     * What is wrong now that an operator must act on, or null: the audit log cannot write (records are being
     * lost). Calls are still answered meanwhile; {@code /health} and {@code /health/live} show it as a warning
     * line, {@code /health/ready} (the service's {@link HealthCheck}) as not ready.
     */
    public String degraded() {
        AuditLog a = audit;
        return a == null ? null : a.degraded();
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

    /**
     * An enumerated label value as the metrics write it: lowercase, {@code -} and spaces as {@code _}
     * ({@code NOT_PROTECTED} → {@code not_protected}, {@code x5u-timeout} → {@code x5u_timeout}), at most
     * {@value #MAX_LABEL} characters, {@code none} for null.
     */
    static String label(String v) {
        if (v == null || v.isEmpty()) {
            return "none";
        }
        String l = v.toLowerCase(java.util.Locale.ROOT).replace('-', '_').replace(' ', '_');
        return l.length() <= MAX_LABEL ? l : l.substring(0, MAX_LABEL);
    }

    /** A name from the policy file as a label value: as configured, at most {@value #MAX_LABEL} characters. */
    private static String name(String v) {
        if (v == null || v.isBlank()) {
            return "none";
        }
        return v.length() <= MAX_LABEL ? v : v.substring(0, MAX_LABEL);
    }

    /** The version in the jar's manifest, {@code dev} when run from classes. */
    static String version() {
        String v = Metrics.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * At most {@code max} distinct value pairs; further pairs become {@code other}: a policy file with more
     * agencies than that cannot blow up the number of series.
     */
    static final class BoundedLabel {
        private final int max;
        private final Map<String, String[]> seen = new ConcurrentHashMap<>();

        BoundedLabel(int max) {
            this.max = max;
        }

        String[] of(String a, String b) {
            String key = a + '\u0000' + b;
            String[] v = seen.get(key);
            if (v != null) {
                return v;
            }
            if (seen.size() >= max) {
                return new String[] {"other", "other"};
            }
            return seen.computeIfAbsent(key, k -> new String[] {a, b});
        }
    }
}
