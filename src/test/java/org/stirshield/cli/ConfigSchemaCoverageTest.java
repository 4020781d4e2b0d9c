package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.agi.ServerSettings;
import org.stirshield.config.ConfigSchema;
import org.stirshield.config.ConfigValues;
import org.stirshield.service.StirShieldService;

/**
 * Every key the schema declares is read by what check-config (and serve) run before starting anything, so
 * every value in a file is validated at load, not at first use: a key declared but read only later, or
 * never, fails here.
 */
class ConfigSchemaCoverageTest {

    @Test
    void checkConfigReadsEveryDeclaredKey(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("stirshield.yaml");
        Files.writeString(f, "");
        JsonNode root = ConfigValues.readYaml(f);
        ServerSettings.from(ConfigValues.section(root, "server"));
        StirShieldService.prepare(new StirShieldService.Options(f, root, null, null));
        Set<String> read = ConfigValues.keysRead(root);
        List<String> unread = ConfigSchema.STIRSHIELD.leaves().stream().map(ConfigSchema.Key::path)
                .filter(k -> !read.contains(k)).toList();
        assertEquals(List.of(), unread, "declared in ConfigSchema but not read by check-config");
    }
}
