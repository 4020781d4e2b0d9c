package org.stirshield.service;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up check that the audit file and certificate cache can be written where the configuration says: by
 * creating and removing a file there, leaving nothing behind, and naming the key and the absolute path when not.
 */
class WritableTest {
    @TempDir
    Path dir;

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void aWritableDirectoryPassesAndKeepsNoProbeFile() throws IOException {
        assertDoesNotThrow(() -> Writable.fileIn("audit.file", dir.resolve("audit.jsonl")));
        assertDoesNotThrow(() -> Writable.directory("certificates.cache.dir", dir, false));
        assertDoesNotThrow(() -> Writable.directory("certificates.cache.dir", dir.resolve("a/b"), true));
        assertEquals(List.of(), leftovers(), "the probes are removed; nothing is created but by the service itself");
        for (int i = 0; i < 3; i++) { // the same directory again and again: a fresh probe name each time
            Writable.fileIn("audit.file", dir.resolve("audit.jsonl"));
        }
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aDirectoryNothingCanBeCreatedInIsRefusedWithKeyAndPath() {
        // /proc/self exists and is a directory; no one, root included, can create a file in it
        Path file = Path.of("/proc/self/audit.jsonl");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Writable.fileIn("audit.file", file));
        assertTrue(e.getMessage().startsWith("audit.file: /proc/self/audit.jsonl: cannot write in /proc/self: "),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Writable.directory("certificates.cache.dir", Path.of("/proc/self/cache"), true));
        assertTrue(e.getMessage().startsWith("certificates.cache.dir: /proc/self/cache: cannot write in /proc/self: "),
                e.getMessage());
    }

    @Test
    void wrongKindsOfFilesAreNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Writable.directory("certificates.cache.dir", file, true));
        assertEquals("certificates.cache.dir: " + file + ": not a directory", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Writable.fileIn("audit.file", dir));
        assertEquals("audit.file: " + dir + ": not a regular file", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Writable.fileIn("audit.file", dir.resolve("missing/audit.jsonl")));
        assertEquals("audit.file: " + dir.resolve("missing/audit.jsonl") + ": the directory " + dir.resolve("missing")
                + " does not exist", e.getMessage());
    }
}
