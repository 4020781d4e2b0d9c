package org.stirshield.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stirshield.yaml read through the schema: unknown keys, values and paths, each error with file:line. */
class ConfigValuesTest {
    @TempDir
    Path dir;

    private JsonNode read(String yaml) throws Exception {
        Path f = dir.resolve("stirshield.yaml");
        Files.writeString(f, yaml);
        return ConfigValues.readYaml(f);
    }

    private ConfigException refused(String yaml) {
        return assertThrows(ConfigException.class, () -> read(yaml));
    }

    @Test
    void unknownKeysAtAnyLevelNameFileLineAndTheKeyProbablyMeant() {
        ConfigException e = refused("server:\n  listne: 127.0.0.1:4573\n");
        assertEquals(dir.resolve("stirshield.yaml") + ":2: unknown key 'server.listne' (did you mean 'server.listen'?)",
                e.getMessage());
        e = refused("# comment\nverification:\n  trust_dir: t\n  regoin: CN\n");
        assertEquals(4, e.line());
        assertTrue(e.reason().contains("did you mean 'verification.region'?"), e.reason());
        e = refused("certificates:\n  cache:\n    max_entires: 5\n");
        assertTrue(e.getMessage().endsWith(":3: unknown key 'certificates.cache.max_entires' (did you mean "
                + "'certificates.cache.max_entries'?)"), e.getMessage());
        // the right key in the wrong section
        e = refused("verification:\n  listen: 127.0.0.1:4573\n");
        assertTrue(e.reason().contains("did you mean 'server.listen'?"), e.reason());
        // nothing close: what is allowed there
        e = refused("metrics:\n  colour: blue\n");
        assertTrue(e.reason().contains("allowed here: enabled, listen"), e.reason());
        e = refused("sever:\n  listen: 1\n");
        assertTrue(e.reason().contains("did you mean 'server'?"), e.reason());
        // a section is a mapping
        e = refused("server: 4573\n");
        assertTrue(e.reason().startsWith("server: expected a mapping of keys (listen, allow,"), e.reason());
        // duplicate keys are not silently merged
        e = refused("server:\n  listen: a:1\n  listen: b:2\n");
        assertEquals(3, e.line());
        assertTrue(e.reason().contains("duplicate key 'listen' (first at line 2)"), e.reason());
        // the policy file's keys under the wrong file
        e = refused("policies: {}\n");
        assertTrue(e.reason().startsWith("unknown key 'policies'"), e.reason());
    }

    @Test
    void valuesAreValidatedWhereTheyAreReadWithFileAndLine() throws Exception {
        JsonNode root = read("server:\n  listen: 127.0.0.1:4573\n  decision_deadline: 1 second\n  max_sessions: lots\n");
        JsonNode server = ConfigValues.section(root, "server");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigValues.duration(server, "decision_deadline", Duration.ofSeconds(1)));
        assertEquals(dir.resolve("stirshield.yaml") + ":3: server.decision_deadline: not a duration (e.g. 500ms, 2s, 5m, "
                + "24h): 1 second", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfigValues.integer(server, "max_sessions", 1, 1, 10));
        assertTrue(e.getMessage().endsWith(":4: server.max_sessions: not an integer: lots"), e.getMessage());
        JsonNode r2 = read("server:\n  max_sessions: 0\n  allow: {a: b}\n  failsafe_action: maybe\n");
        JsonNode s2 = ConfigValues.section(r2, "server");
        e = assertThrows(IllegalArgumentException.class, () -> ConfigValues.integer(s2, "max_sessions", 1, 1, 10));
        assertTrue(e.getMessage().endsWith(":2: server.max_sessions: must be 1..10, not 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfigValues.strings(s2, "allow", List.of(), true));
        assertTrue(e.getMessage().endsWith(":3: server.allow: expected a list"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConfigValues.choice(s2, "failsafe_action", "tag", "allow", "tag", "reject"));
        assertTrue(e.getMessage().endsWith(":4: server.failsafe_action: expected allow | tag | reject, not 'maybe'"),
                e.getMessage());
    }

    @Test
    void aCrossKeyErrorIsLocatedByTheKeyItNames() throws Exception {
        JsonNode root = read("certificates:\n  cache:\n    min_ttl: 2d\n    max_ttl: 1d\n");
        IllegalArgumentException e = ConfigValues.locate(root,
                new IllegalArgumentException("certificates.cache.max_ttl is shorter than min_ttl"));
        assertEquals(dir.resolve("stirshield.yaml") + ":4: certificates.cache.max_ttl is shorter than min_ttl",
                e.getMessage());
    }

    @Test
    void relativePathsResolveAgainstTheConfigurationFilesDirectory() throws Exception {
        JsonNode root = read("verification:\n  trust_dir: trust\n  crl_files: [crl/a.crl, /abs/b.crl]\n");
        JsonNode v = ConfigValues.section(root, "verification");
        assertEquals(dir.resolve("trust"), ConfigValues.path(v, "trust_dir", "certs/trust"));
        assertEquals(dir.resolve("certs/trust"), ConfigValues.path(ConfigValues.section(read(""), "verification"),
                "trust_dir", "certs/trust"), "a relative default too");
        assertEquals(dir.resolve("crl/a.crl"), ConfigValues.resolve(v, "crl/a.crl"));
        assertEquals(Path.of("/abs/b.crl"), ConfigValues.resolve(v, "/abs/b.crl"));
    }

    @Test
    void codeCannotReadAKeyTheSchemaDoesNotDeclare() throws Exception {
        JsonNode root = read("");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ConfigValues.string(ConfigValues.section(root, "tracing"), "format", "text"));
        assertTrue(e.getMessage().contains("'tracing' is read by the code but not declared in "
                + "org.stirshield.config.ConfigSchema"), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> ConfigValues.bool(ConfigValues.section(root, "audit"), "sampling", false));
    }

    @Test
    void aMissingOrUnreadableFileSaysItsAbsolutePathAndWhy() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigValues.readYaml(Path.of("no/such.yaml")));
        assertEquals(Path.of("no/such.yaml").toAbsolutePath() + ": cannot read the configuration file: no such file or "
                + "directory", e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigValues.readYaml(dir));
        assertTrue(e.getMessage().endsWith("is a directory, not a configuration file"), e.getMessage());
    }

    @Test
    void changedKeysAreTheDeclaredKeysWhoseValuesDiffer() throws Exception {
        JsonNode a = read("server: {listen: 127.0.0.1:4573}\nverification: {trust_dir: t1}\n");
        JsonNode b = read("server: {listen: 127.0.0.1:4574}\nverification: {trust_dir: t2}\nmetrics: {enabled: true}\n");
        assertEquals(List.of("server.listen", "verification.trust_dir", "metrics.enabled"), ConfigValues.changedKeys(a, b));
        assertEquals(ConfigSchema.Apply.RESTART, ConfigSchema.STIRSHIELD.key("server.listen").apply());
        assertEquals(ConfigSchema.Apply.RELOAD, ConfigSchema.STIRSHIELD.key("verification.trust_dir").apply());
    }

    @Test
    void editDistanceCountsASwapAsOne() {
        assertEquals(1, ConfigSchema.distance("listne", "listen"));
        assertEquals("region", ConfigSchema.closest("regoin", List.of("region", "trust_dir")));
        assertEquals(null, ConfigSchema.closest("colour", List.of("enabled", "listen")));
    }
}
