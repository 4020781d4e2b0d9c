package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code audit.replay}: the store URL, the password's origin, and sizing the memory store from the window. */
class ReplaySettingsTest {
    private static final ReplayWindow DEFAULT_WINDOW = new ReplayWindow(Duration.ofSeconds(60), Duration.ofSeconds(60));

    private static JsonNode yaml(String text) throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(text);
    }

    private static ReplaySettings from(String text) throws Exception {
        return ReplaySettings.from(yaml(text), DEFAULT_WINDOW, Map.of("REDIS_PW", "from-env")::get);
    }

    @Test
    void memoryByDefaultSizedForThePeakRateOverTheLongestWindow() throws Exception {
        ReplaySettings s = ReplaySettings.from(null, DEFAULT_WINDOW);
        assertFalse(s.shared());
        assertEquals(1000, s.peakRate());
        assertEquals(121_000, s.maxEntries(), "1,000 calls/s x 121 s: the old default of 100,000 would not hold it");
        assertEquals(5 * 121, from("peak_rate: 5\n").maxEntries());
    }

    @Test
    void aMaxEntriesThatCannotHoldTheWindowIsRefusedNamingTheNumbers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> from("max_entries: 100000\npeak_rate: 1000\n"));
        assertTrue(e.getMessage().startsWith("audit.replay.max_entries: 100000 cannot hold"), e.getMessage());
        assertTrue(e.getMessage().contains("1000 calls/s x 121 s = 121000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> from("peak_rate: 0\n"));
        assertThrows(IllegalArgumentException.class, () -> from("peak_rate: 1000000\n"), "beyond 10M entries");
    }

    @Test
    void redisUrlsParse() throws Exception {
        ReplaySettings.Store s = from("store: redis://cache.example.net:6390/3\n").store();
        assertEquals("cache.example.net", s.host());
        assertEquals(6390, s.port());
        assertEquals(3, s.database());
        assertFalse(s.tls());
        assertNull(s.password());
        assertEquals(Duration.ofMillis(20), s.timeout());
        ReplaySettings.Store t = from("store: rediss://stirshield@cache.example.net\ntimeout: 5ms\n").store();
        assertTrue(t.tls());
        assertEquals(6379, t.port());
        assertEquals(0, t.database());
        assertEquals("stirshield", t.user(), "an ACL user name may stand in the URL");
        assertEquals(Duration.ofMillis(5), t.timeout());
        assertEquals("rediss://stirshield@cache.example.net:6379/0", t.display());
    }

    @Test
    void aPasswordInTheUrlOrTheYamlIsRefusedAndNeverRepeated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> from("store: redis://:hunter2@cache:6379/0\n"));
        assertTrue(e.getMessage().contains("password_file") && e.getMessage().contains("password_env"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> from("store: redis://user:hunter2@cache/0\n"));
        assertFalse(e2.getMessage().contains("hunter2"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> from("store: redis://cache/0\npassword: hunter2\n"));
    }

    @Test
    void thePasswordComesFromAFileOrTheEnvironment(@TempDir Path dir) throws Exception {
        Path pw = dir.resolve("redis.pass");
        Files.writeString(pw, "s3cret\n");
        assertEquals("s3cret", from("store: redis://cache/0\npassword_file: " + pw + "\n").store().password());
        assertEquals("from-env", from("store: redis://cache/0\npassword_env: REDIS_PW\n").store().password());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> from("store: redis://cache/0\npassword_env: NOT_SET_ANYWHERE\n"));
        assertTrue(missing.getMessage().contains("NOT_SET_ANYWHERE"), missing.getMessage());
        IllegalArgumentException unreadable = assertThrows(IllegalArgumentException.class,
                () -> from("store: redis://cache/0\npassword_file: " + dir.resolve("absent") + "\n"));
        assertTrue(unreadable.getMessage().contains(dir.resolve("absent").toString()), unreadable.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> from("store: redis://cache/0\npassword_file: " + pw + "\npassword_env: REDIS_PW\n"));
        assertFalse(from("store: redis://cache/0\npassword_file: " + pw + "\n").store().toString().contains("s3cret"));
    }

    @Test
    void badValuesNameTheKey() {
        for (String bad : new String[] {"store: http://cache/0\n", "store: redis:///0\n", "store: redis://cache/x\n",
                "store: redis://cache/0?timeout=1\n", "store: redis://cache/0\ntimeout: 2s\n",
                "store: redis://cache/0\nconnections: 0\n", "store: redis://cache/0\nprobe_interval: 1ms\n"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> from(bad), bad);
            assertTrue(e.getMessage().startsWith("audit.replay."), e.getMessage());
        }
    }
}
