package org.stirshield.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.stirshield.cert.Deadline;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Decision;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;

/**
 * The audit end of the call pipeline in one object, for {@code serve}: replay detection, the audit log and the
 * metrics endpoint, built from the configuration and closed together.
 *
 * <pre>
 * DecisionRecorder rec = DecisionRecorder.start(Settings.from(config, cliAuditFile, cliMetricsListen, window));
 * // per call, after verification:   int replays = rec.replayCount(call, verdict, now, deadline);
 * // after policy:                   rec.record(decision, timings, now);
 * // on shutdown:                    rec.close();   // drains the audit queue, stops the endpoint
 * </pre>
 */
public final class DecisionRecorder implements AutoCloseable {
    private final AuditLog audit;
    private final Metrics metrics;
    private final ReplayDetection replay;

    private DecisionRecorder(AuditLog audit, Metrics metrics, ReplayDetection replay) {
        this.audit = audit;
        this.metrics = metrics;
        this.replay = replay;
    }

    /**
     * What the recorder is built from: the {@code audit:} and {@code metrics:} sections with the command-line
     * overrides applied. Reading them validates them (check-config reads them the same way).
     *
     * @param audit the audit log
     * @param metrics the metrics/health endpoint
     * @param replay replay detection ({@code audit.replay}: the window, memory sizing, the shared store)
     */
    public record Settings(AuditSettings audit, MetricsSettings metrics, ReplaySettings replay) {
        /**
         * @param config the whole configuration tree
         * @param auditFile {@code serve --audit FILE}, or null
         * @param metricsListen {@code serve --metrics HOST:PORT|off}, or null
         * @param replayWindow how long PASSporTs can pass verification ({@code verification.freshness} and
         *     {@code future_skew})
         */
        public static Settings from(JsonNode config, Path auditFile, String metricsListen, ReplayWindow replayWindow) {
            JsonNode auditSection = ConfigValues.section(config, "audit");
            return new Settings(AuditSettings.resolve(auditFile, auditSection),
                    MetricsSettings.resolve(metricsListen, ConfigValues.section(config, "metrics")),
                    ReplaySettings.from(ConfigValues.section(auditSection, "replay"), replayWindow));
        }
    }

    /**
     * Opens the audit log and starts the metrics endpoint.
     *
     * @param config the whole configuration tree (its {@code audit:} and {@code metrics:} sections are used)
     * @param auditFile {@code serve --audit FILE}, or null
     * @param metricsListen {@code serve --metrics HOST:PORT|off}, or null
     * @param freshness the PASSporT freshness window (verification {@code freshness}), with no future skew
     * @throws IOException when the audit file cannot be opened or the metrics address cannot be bound
     * @throws IllegalArgumentException for a bad setting (the message names the key)
     */
    public static DecisionRecorder start(JsonNode config, Path auditFile, String metricsListen, Duration freshness)
            throws IOException {
        return start(Settings.from(config, auditFile, metricsListen, new ReplayWindow(freshness, Duration.ZERO)));
    }

    /**
     * Opens the audit log, starts the metrics endpoint and replay detection (connecting to the shared store if
     * one is configured; an unreachable store does not stop start-up), as {@code settings} say.
     */
    public static DecisionRecorder start(Settings settings) throws IOException {
        DecisionRecorder r = open(settings);
        try {
            r.startEndpoint(settings);
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    /**
     * {@link #start(Settings)} without the metrics endpoint: {@code serve} starts it with {@link #startEndpoint}
     * once the FastAGI listener is up (the endpoint answers {@code /health/ready} for a server that accepts).
     */
    public static DecisionRecorder open(Settings settings) throws IOException {
        Metrics metrics = new Metrics();
        AuditLog audit = AuditLog.open(settings.audit());
        ReplayDetection replay;
        try {
            replay = ReplayDetection.start(settings.replay());
        } catch (RuntimeException e) {
            audit.close();
            throw e;
        }
        metrics.bindAudit(audit);
        metrics.bindReplayDetector(replay.local());
        ReplayMetrics.register(metrics.registry(), replay);
        return new DecisionRecorder(audit, metrics, replay);
    }

    /** Starts the metrics endpoint {@code settings} describe (no-op when disabled or already running). */
    public void startEndpoint(Settings settings) throws IOException {
        metrics.start(settings.metrics());
    }

    /** {@link #replayCount(CallAttempt, Verdict, Instant, Deadline)} with no call deadline (tests, tools). */
    public int replayCount(CallAttempt call, Verdict verdict, Instant now) {
        return replayCount(call, verdict, now, Deadline.none());
    }

    /**
     * How many other calls (on any instance sharing the store) carried this call's signed PASSporT while it could
     * pass verification (0 when it has none). Never takes longer than {@code audit.replay.timeout}, nor past
     * {@code deadline}.
     */
    public int replayCount(CallAttempt call, Verdict verdict, Instant now, Deadline deadline) {
        if (verdict == null || verdict.passportDigest() == null) {
            return 0;
        }
        return replay.observe(verdict.passportDigest(), call == null ? null : call.callId(), verdict.iat(), now,
                deadline);
    }

    /**
     * {@link #replayCount(CallAttempt, Verdict, Instant, Deadline)} for a thread that must not wait: when the
     * shared store is asked, the future completes on the store's dispatcher thread with its answer (or this
     * instance's count if it fails or is late); otherwise it is complete on return.
     */
    public CompletableFuture<Integer> replayCountLater(CallAttempt call, Verdict verdict, Instant now,
            Deadline deadline) {
        if (verdict == null || verdict.passportDigest() == null) {
            return CompletableFuture.completedFuture(0);
        }
        return replay.observeLater(verdict.passportDigest(), call == null ? null : call.callId(), verdict.iat(), now,
                deadline);
    }

    /** Replay detection: its mode (memory, shared, fallback) for health and metrics. */
    public ReplayDetection replay() {
        return replay;
    }

    /** Writes the audit record and counts the decision. Never throws; false if the record was dropped. */
    public boolean record(Decision decision, StageTimings timings, Instant at) {
        try {
            metrics.callDecided(decision, timings);
        } catch (RuntimeException e) {
            // metrics must never cost a call or its audit record
        }
        return audit.record(decision, timings, at);
    }

    /** The metrics, for the certificate cache ({@code CertificateEvents}), AGI sessions and policy reloads. */
    public Metrics metrics() {
        return metrics;
    }

    public AuditLog auditLog() {
        return audit;
    }

    /** Writes every queued audit record, closes the file, stops the metrics endpoint and the replay store. */
    @Override
    public void close() {
        try {
            audit.close();
        } finally {
            try {
                metrics.close();
            } finally {
                replay.close();
            }
        }
    }
}
