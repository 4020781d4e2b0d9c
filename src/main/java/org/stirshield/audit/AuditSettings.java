package org.stirshield.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.stirshield.config.ConfigValues;

/**
 * The {@code audit:} section of {@code stirshield.yaml}.
 *
 * <pre>
 * audit:
 *   file: /var/log/stirshield/audit.jsonl   # default stirshield-audit.jsonl beside stirshield.yaml
 *   rolling:
 *     max_file_size: 100MiB   # roll when the active file reaches this size
 *     max_history: 30         # days of rolled files kept (0 = keep all)
 *     total_size_cap: 0       # cap on all rolled files together (0 = none)
 *     compress: false         # gzip rolled files
 *   queue:
 *     capacity: 65536         # records waiting for the writer
 *     max_wait: 200ms         # how long a call blocks when the queue is full before the record is dropped
 *   replay:                   # read by DecisionRecorder: see ReplaySettings
 *     store: memory
 *   evidence:                 # traceback evidence in each record, see AuditEvidence
 *     identity_headers: true
 *     max_identity_bytes: 16KiB
 * </pre>
 *
 * @param file the active audit file; rolled files sit next to it
 * @param maxFileSize roll over when the active file reaches this many bytes
 * @param maxHistory days of rolled files to keep, 0 = unlimited
 * @param totalSizeCap bytes of rolled files to keep at most, 0 = unlimited
 * @param compress gzip rolled files
 * @param queueCapacity records the queue between the calls and the writer holds
 * @param maxWait how long {@link AuditLog#record} blocks on a full queue before counting a drop
 * @param evidence what of the SIP request each record keeps (Identity headers on or off, their size bound)
 */
public record AuditSettings(
        Path file, long maxFileSize, int maxHistory, long totalSizeCap, boolean compress, int queueCapacity,
        Duration maxWait, AuditEvidence evidence) {

    public static final Path DEFAULT_FILE = Path.of("stirshield-audit.jsonl");
    public static final long DEFAULT_MAX_FILE_SIZE = 100L * 1024 * 1024;
    public static final int DEFAULT_MAX_HISTORY = 30;
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(200);

    /** Settings with the default evidence ({@link AuditEvidence#DEFAULT}). */
    public AuditSettings(Path file, long maxFileSize, int maxHistory, long totalSizeCap, boolean compress,
            int queueCapacity, Duration maxWait) {
        this(file, maxFileSize, maxHistory, totalSizeCap, compress, queueCapacity, maxWait, AuditEvidence.DEFAULT);
    }

    public AuditSettings {
        evidence = evidence == null ? AuditEvidence.DEFAULT : evidence;
        if (file == null) {
            throw new IllegalArgumentException("audit.file: missing");
        }
        if (maxFileSize < 1024) {
            throw new IllegalArgumentException("audit.rolling.max_file_size: at least 1KiB: " + maxFileSize);
        }
        if (maxHistory < 0) {
            throw new IllegalArgumentException("audit.rolling.max_history: negative: " + maxHistory);
        }
        if (totalSizeCap < 0) {
            throw new IllegalArgumentException("audit.rolling.total_size_cap: negative: " + totalSizeCap);
        }
        if (queueCapacity < 1 || queueCapacity > 10_000_000) {
            throw new IllegalArgumentException("audit.queue.capacity: 1..10000000: " + queueCapacity);
        }
        if (maxWait == null || maxWait.isNegative() || maxWait.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("audit.queue.max_wait: 0..10s: " + maxWait);
        }
    }

    /** All defaults, writing to {@code file}. */
    public static AuditSettings defaults(Path file) {
        return new AuditSettings(file, DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_HISTORY, 0, false,
                DEFAULT_QUEUE_CAPACITY, DEFAULT_MAX_WAIT);
    }

    /**
     * From the {@code audit:} section (missing or null: all defaults). A relative {@code file} resolves
     * against the configuration file's directory.
     */
    public static AuditSettings from(JsonNode audit) {
        JsonNode rolling = ConfigValues.section(audit, "rolling");
        JsonNode queue = ConfigValues.section(audit, "queue");
        return new AuditSettings(ConfigValues.path(audit, "file", DEFAULT_FILE.toString()),
                ConfigValues.bytes(rolling, "max_file_size", DEFAULT_MAX_FILE_SIZE),
                ConfigValues.integer(rolling, "max_history", DEFAULT_MAX_HISTORY, 0, 100_000),
                ConfigValues.bytes(rolling, "total_size_cap", 0),
                ConfigValues.bool(rolling, "compress", false),
                ConfigValues.integer(queue, "capacity", DEFAULT_QUEUE_CAPACITY, 1, 10_000_000),
                ConfigValues.duration(queue, "max_wait", DEFAULT_MAX_WAIT),
                AuditEvidence.from(ConfigValues.section(audit, "evidence")));
    }

    /**
     * The settings with the file chosen the documented way: {@code serve --audit FILE} if given, else the
     * config's {@code audit.file}, else {@code stirshield-audit.jsonl} beside the configuration file.
     */
    public static AuditSettings resolve(Path cliFile, JsonNode audit) {
        AuditSettings s = from(audit);
        return cliFile == null ? s : s.withFile(cliFile);
    }

    public AuditSettings withFile(Path f) {
        return new AuditSettings(f, maxFileSize, maxHistory, totalSizeCap, compress, queueCapacity, maxWait, evidence);
    }

    public AuditSettings withMaxFileSize(long bytes) {
        return new AuditSettings(file, bytes, maxHistory, totalSizeCap, compress, queueCapacity, maxWait, evidence);
    }

    public AuditSettings withQueue(int capacity, Duration wait) {
        return new AuditSettings(file, maxFileSize, maxHistory, totalSizeCap, compress, capacity, wait, evidence);
    }

    public AuditSettings withCompress(boolean gzip) {
        return new AuditSettings(file, maxFileSize, maxHistory, totalSizeCap, gzip, queueCapacity, maxWait, evidence);
    }

    public AuditSettings withEvidence(AuditEvidence e) {
        return new AuditSettings(file, maxFileSize, maxHistory, totalSizeCap, compress, queueCapacity, maxWait, e);
    }
}
