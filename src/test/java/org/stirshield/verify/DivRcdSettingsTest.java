package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.config.ConfigValues;

/** The verification keys for forwarded calls and Rich Call Data, read from a real stirshield.yaml. */
class DivRcdSettingsTest {

    private static VerifierSettings read(Path dir, String yaml) throws Exception {
        Path f = dir.resolve("stirshield.yaml");
        Files.writeString(f, yaml);
        return VerifierSettings.from(ConfigValues.section(ConfigValues.readYaml(f), "verification"));
    }

    @Test
    void defaults(@TempDir Path dir) throws Exception {
        VerifierSettings s = read(dir, "verification: {}\n");
        assertTrue(s.requireDiversionHeaders());
        assertEquals(256 * 1024, s.rcdMaxBytes());
        assertEquals(32L * 1024 * 1024, s.rcdCacheBytes());
        assertEquals(s, VerifierSettings.defaults().withTrustDir(s.trustDir()));
    }

    @Test
    void values(@TempDir Path dir) throws Exception {
        VerifierSettings s = read(dir, """
                verification:
                  require_diversion_headers: false
                  rcd_max_bytes: 1MiB
                  rcd_cache_bytes: 8MiB
                """);
        assertFalse(s.requireDiversionHeaders());
        assertEquals(1024 * 1024, s.rcdMaxBytes());
        assertEquals(8L * 1024 * 1024, s.rcdCacheBytes());
    }

    @Test
    void badValuesNameTheFileLineAndKey(@TempDir Path dir) throws Exception {
        Exception e = assertThrows(IllegalArgumentException.class,
                () -> read(dir, "verification:\n  require_diversion_headers: maybe\n"));
        assertTrue(e.getMessage().contains("stirshield.yaml:2: verification.require_diversion_headers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read(dir, "verification:\n  rcd_max_bytes: 64 parsecs\n"));
        assertTrue(e.getMessage().contains("stirshield.yaml:2: verification.rcd_max_bytes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read(dir, "verification:\n  rcd_max_bytes: 32MiB\n"));
        assertTrue(e.getMessage().contains("rcd_max_bytes"), e.getMessage());
        Path f = dir.resolve("stirshield.yaml");
        Files.writeString(f, "verification:\n  rcd_max_bytes: 64KiB\n  rcd_cache_bytes: 1KiB\n");
        var root = ConfigValues.readYaml(f);
        IllegalArgumentException cross = assertThrows(IllegalArgumentException.class,
                () -> VerifierSettings.from(ConfigValues.section(root, "verification")));
        assertTrue(ConfigValues.locate(root, cross).getMessage().contains("stirshield.yaml:3: verification.rcd_cache_bytes"),
                ConfigValues.locate(root, cross).getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read(dir, "verification:\n  rcd_max_byte: 1KiB\n"));
        assertTrue(e.getMessage().contains("did you mean 'verification.rcd_max_bytes'"), e.getMessage());
    }
}
