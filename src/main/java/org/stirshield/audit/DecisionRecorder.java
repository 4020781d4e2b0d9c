package org.stirshield.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Decision;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;

/**
 * The audit end of the call pipeline in one object, for {@code serve}: replay detection, the audit log and the
 * metrics endpoint, built from the configuration and closed together.
 *
 * <pre>
 * DecisionRecorder rec = DecisionRecorder.start(config, cliAuditFile, cliMetricsListen, freshness);
 * // per call, after verification:   int replays = rec.replayCount(call, verdict, now);
 * // after policy:                   rec.record(decision, timings, now);
 * // on shutdown:                    rec.close();   // drains the audit queue, stops the endpoint
 * </pre>
 */
public final class DecisionRecorder implements AutoCloseable {
    /** Default {@code audit.replay.max_entries}. */
    public static final int DEFAULT_REPLAY_ENTRIES = 100_000;

    private final AuditLog audit;
    private final Metrics metrics;
    private final ReplayDetector replay;

    private DecisionRecorder(AuditLog audit, Metrics metrics, ReplayDetector replay) {
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
     * @param replayEntries {@code audit.replay.max_entries}
     */
    public record Settings(AuditSettings audit, MetricsSettings metrics, int replayEntries) {
        /**
         * @param config the whole configuration tree
         * @param auditFile {@code serve --audit FILE}, or null
         * @param metricsListen {@code serve --metrics HOST:PORT|off}, or null
         */
        public static Settings from(JsonNode config, Path auditFile, String metricsListen) {
            JsonNode auditSection = ConfigValues.section(config, "audit");
            return new Settings(AuditSettings.resolve(auditFile, auditSection),
                    MetricsSettings.resolve(metricsListen, ConfigValues.section(config, "metrics")),
                    ConfigValues.integer(ConfigValues.section(auditSection, "replay"), "max_entries",
                            DEFAULT_REPLAY_ENTRIES, 1, 100_000_000));
        }
    }

    /**
     * Opens the audit log and starts the metrics endpoint.
     *
     * @param config the whole configuration tree (its {@code audit:} and {@code metrics:} sections are used)
     * @param auditFile {@code serve --audit FILE}, or null
     * @param metricsListen {@code serve --metrics HOST:PORT|off}, or null
     * @param replayWindow the PASSporT freshness window (verification {@code freshness})
     * @throws IOException when the audit file cannot be opened or the metrics address cannot be bound
     * @throws IllegalArgumentException for a bad setting (the message names the key)
     */
    public static DecisionRecorder start(JsonNode config, Path auditFile, String metricsListen, Duration replayWindow)
            throws IOException {
        return start(Settings.from(config, auditFile, metricsListen), replayWindow);
    }

    /** Opens the audit log and starts the metrics endpoint, as {@code settings} say. */
    public static DecisionRecorder start(Settings settings, Duration replayWindow) throws IOException {
        ReplayDetector replay = new ReplayDetector(replayWindow, settings.replayEntries());
        Metrics metrics = new Metrics();
        AuditLog audit = AuditLog.open(settings.audit());
        try {
            metrics.start(settings.metrics());
        } catch (IOException | RuntimeException e) {
            audit.close();
            throw e;
        }
        metrics.bindAudit(audit);
        metrics.bindReplayDetector(replay);
        return new DecisionRecorder(audit, metrics, replay);
    }

    /** How many other calls carried this call's signed PASSporT within the window (0 when it has none). */
    public int replayCount(CallAttempt call, Verdict verdict, Instant now) {
        if (verdict == null || verdict.passportDigest() == null) {
            return 0;
        }
        return replay.observe(verdict.passportDigest(), call == null ? null : call.callId(), now);
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

    /** Writes every queued audit record, closes the file, stops the metrics endpoint. */
    @Override
    public void close() {
        try {
            audit.close();
        } finally {
            metrics.close();
        }
    }
}
