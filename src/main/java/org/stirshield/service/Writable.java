package org.stirshield.service;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.stirshield.config.ConfigValues;

/**
 * Whether the service can write where the configuration says (audit file, certificate cache), tested the
 * only reliable way: by creating (and removing) a file there, which also catches read-only mounts such as
 * systemd's {@code ProtectSystem=strict} without a {@code ReadWritePaths=} entry.
 */
final class Writable {
    /** Makes each probe's name unique within this process (with the process id: across processes). */
    private static final java.util.concurrent.atomic.AtomicLong PROBES = new java.util.concurrent.atomic.AtomicLong();

    private Writable() {
    }

    /** {@code dir} is (or can be created as) a writable directory. */
    static void directory(String key, Path dir, boolean mayBeCreated) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new IllegalArgumentException(key + ": " + abs + ": not a directory");
        }
        Path probeIn = abs;
        if (!Files.exists(abs)) {
            if (!mayBeCreated) {
                throw new IllegalArgumentException(key + ": " + abs + ": no such directory");
            }
            probeIn = abs.getParent();
            while (probeIn != null && !Files.exists(probeIn)) {
                probeIn = probeIn.getParent();
            }
            if (probeIn == null) {
                throw new IllegalArgumentException(key + ": " + abs + ": cannot be created");
            }
        }
        probe(key, abs, probeIn);
    }

    /** {@code file} can be appended to: it is a writable file, or its directory exists and is writable. */
    static void fileIn(String key, Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(key + ": " + abs + ": the directory " + dir + " does not exist");
        }
        if (Files.exists(abs)) {
            if (!Files.isRegularFile(abs)) {
                throw new IllegalArgumentException(key + ": " + abs + ": not a regular file");
            }
            try (FileChannel c = FileChannel.open(abs, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                // opened for appending: writable (nothing written)
            } catch (IOException e) {
                throw new IllegalArgumentException(key + ": " + abs + ": not writable: " + ConfigValues.why(e), e);
            }
        }
        probe(key, abs, dir); // rolling creates files beside it
    }

    private static void probe(String key, Path target, Path dir) {
        try {
            // a name of its own without Files.createTempFile, whose random names cost a start the set-up of the
            // JDK's SecureRandom (a tenth of serve's start-up on a small machine)
            Path p = dir.resolve(".stirshield-write-test-" + ProcessHandle.current().pid() + "-" + PROBES.incrementAndGet()
                    + "-" + System.nanoTime() + ".tmp");
            Files.newByteChannel(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
            Files.delete(p);
        } catch (IOException e) {
            throw new IllegalArgumentException(key + ": " + target + ": cannot write in " + dir + ": "
                    + ConfigValues.why(e), e);
        }
    }
}
