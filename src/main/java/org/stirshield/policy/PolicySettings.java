package org.stirshield.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import org.stirshield.config.ConfigValues;

/**
 * The {@code policy:} section of {@code stirshield.yaml}.
 *
 * @param file the policy YAML file, or null: no file (then nothing is protected, unless {@code example})
 * @param example {@code policy.file: example}: the embedded example policy (demos only: example data)
 * @param watch whether to reload the file (and its CSVs) when they change
 * @param pollInterval how often the files' modification time and size are checked (a fallback for file
 *     systems where the WatchService misses changes)
 * @param debounce how long changes must settle before a reload (editors write files in several steps)
 */
public record PolicySettings(Path file, boolean example, boolean watch, Duration pollInterval, Duration debounce) {

    public static final Duration DEFAULT_POLL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(300);
    /** The {@code policy.file} value that selects the embedded example policy. */
    public static final String EXAMPLE = "example";

    public PolicySettings {
        if (file != null && example) {
            throw new IllegalArgumentException("policy.file: a file or the example policy, not both");
        }
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("policy.poll_interval must be positive");
        }
        if (debounce.isNegative()) {
            throw new IllegalArgumentException("policy.debounce must not be negative");
        }
    }

    /** A policy file ({@code file} not null), or no policy at all ({@code file} null). */
    public PolicySettings(Path file, boolean watch, Duration pollInterval, Duration debounce) {
        this(file, false, watch, pollInterval, debounce);
    }

    /** Defaults: no policy file (nothing protected), watched when there is one, polled every 5 s. */
    public static PolicySettings defaults() {
        return new PolicySettings(null, false, true, DEFAULT_POLL, DEFAULT_DEBOUNCE);
    }

    /** The embedded example policy (scripts/demo, tests). */
    public static PolicySettings exampleOnly() {
        return new PolicySettings(null, true, true, DEFAULT_POLL, DEFAULT_DEBOUNCE);
    }

    /**
     * From the {@code policy:} section. {@code file: example} is the embedded example policy; a relative
     * {@code file} resolves against the configuration file's directory ({@link ConfigValues#path}).
     */
    public static PolicySettings from(JsonNode policySection) {
        String f = ConfigValues.string(policySection, "file", null);
        boolean example = f != null && f.strip().equals(EXAMPLE);
        Path file = example ? null : ConfigValues.path(policySection, "file", null);
        return new PolicySettings(file, example,
                ConfigValues.bool(policySection, "watch", true),
                ConfigValues.duration(policySection, "poll_interval", DEFAULT_POLL),
                ConfigValues.duration(policySection, "debounce", DEFAULT_DEBOUNCE));
    }

    /** What the settings select, in words for logs and check-config. */
    public String describe() {
        if (example) {
            return "the embedded EXAMPLE policy (policy.file: example; example data, not for production)";
        }
        return file == null ? "no policy file: no number is protected, every call is verified and reported"
                : file.toString();
    }
}
