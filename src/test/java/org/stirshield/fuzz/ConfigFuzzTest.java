package org.stirshield.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.stirshield.agi.ServerSettings;
import org.stirshield.audit.DecisionRecorder;
import org.stirshield.audit.ReplayWindow;
import org.stirshield.cert.FetchSettings;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.PolicySettings;
import org.stirshield.sign.OutboundSigner;
import org.stirshield.verify.VerifierSettings;

/**
 * stirshield.yaml as serve and check-config read it: the YAML checked against ConfigSchema (ConfigValues.readYaml)
 * and every section's settings, without the files they name being opened. Either settings, or a ConfigException /
 * IllegalArgumentException naming file:line and key (IOException is declared by readYaml).
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
            VerifierSettings vs = VerifierSettings.from(ConfigValues.section(root, "verification"));
            FetchSettings.from(ConfigValues.section(root, "certificates"));
            PolicySettings.from(ConfigValues.section(root, "policy"));
            DecisionRecorder.Settings.from(root, null, null, new ReplayWindow(vs.freshness(), vs.futureSkew()));
            OutboundSigner.Settings.from(ConfigValues.section(root, "signing"));
        }, IOException.class, IllegalArgumentException.class);
    }
}
