package org.stirshield.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.stirshield.agi.ServerSettings;
import org.stirshield.audit.AuditSettings;
import org.stirshield.audit.MetricsSettings;
import org.stirshield.cert.FetchSettings;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.PolicySettings;
import org.stirshield.sign.OutboundSigner;
import org.stirshield.verify.VerifierSettings;

/**
 * stirshield.yaml as serve and check-config read it: the YAML (ConfigValues.readYaml) and every section's settings.
 * Either settings, or IOException (unreadable YAML, naming file:line) or IllegalArgumentException naming the key.
 * Seeds: asterisk-conf/stirshield.yaml and the configuration test files (SeedCorpus).
 */
class ConfigFuzzTest {
    private static final Path FILE;

    static {
        try {
            Path dir = Files.createTempDirectory("stirshield-config-fuzz");
            dir.toFile().deleteOnExit();
            FILE = dir.resolve("stirshield.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void stirshieldYaml(byte[] yaml) {
        Invariant.holds(() -> {
            Files.write(FILE, yaml);
            JsonNode root = ConfigValues.readYaml(FILE);
            ServerSettings.from(ConfigValues.section(root, "server"));
            VerifierSettings.from(ConfigValues.section(root, "verification"));
            FetchSettings.from(ConfigValues.section(root, "certificates"), FILE.getParent());
            PolicySettings.from(ConfigValues.section(root, "policy"), FILE.getParent());
            AuditSettings.resolve(null, ConfigValues.section(root, "audit"));
            MetricsSettings.resolve(null, ConfigValues.section(root, "metrics"));
            OutboundSigner.Settings.from(ConfigValues.section(root, "signing"));
        }, IOException.class, IllegalArgumentException.class);
    }
}
