package org.stirshield.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.stirshield.config.ConfigValues;

/**
 * The {@code policy:} section of {@code stirshield.yaml}.
 *
 * @param file the policy YAML file, or null for the embedded example policy
 * @param watch whether to reload the file (and its CSVs) when they change
 * @param pollInterval how often the files' modification time and size are checked (a fallback for file
 *     systems where the WatchService misses changes)
 * @param debounce how long changes must settle before a reload (editors write files in several steps)
 */
public record PolicySettings(Path file, boolean watch, Duration pollInterval, Duration debounce) {

    public static final Duration DEFAULT_POLL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(300);

    public PolicySettings {
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("policy.poll_interval must be positive");
        }
        if (debounce.isNegative()) {
            throw new IllegalArgumentException("policy.debounce must not be negative");
        }
    }

    /** Defaults: the embedded policy, watched (a no-op without a file), polled every 5 s. */
    public static PolicySettings defaults() {
        return new PolicySettings(null, true, DEFAULT_POLL, DEFAULT_DEBOUNCE);
    }

    /** From the {@code policy:} section; a relative {@code file} is relative to the working directory. */
    public static PolicySettings from(JsonNode policySection) {
        return from(policySection, null);
    }

    /**
     * From the {@code policy:} section; a relative {@code file} is resolved against {@code baseDir}
     * (the directory of stirshield.yaml) when that is not null.
     */
    public static PolicySettings from(JsonNode policySection, Path baseDir) {
        String f = ConfigValues.string(policySection, "file", null);
        Path file = null;
        if (f != null && !f.isBlank()) {
            file = Path.of(f);
            if (!file.isAbsolute() && baseDir != null) {
                file = baseDir.resolve(file).normalize();
            }
        }
        return new PolicySettings(file,
                ConfigValues.bool(policySection, "watch", true),
                ConfigValues.duration(policySection, "poll_interval", DEFAULT_POLL),
                ConfigValues.duration(policySection, "debounce", DEFAULT_DEBOUNCE));
    }
}
