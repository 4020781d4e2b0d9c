package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** {@code stirshield serve} as a real process of the test's JVM and class path, its output in a log file. */
final class ServeProcess {
    private ServeProcess() {
    }

    /** Starts {@code serve --config config} and waits (up to 60 s) until it listens. */
    static Process start(Path config, Path log) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Djdk.httpclient.allowRestrictedHeaders=host", "-cp",
                System.getProperty("java.class.path"), "org.stirshield.cli.Main", "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains("listening on")) {
            assertTrue(p.isAlive(), () -> "serve exited: " + read(log));
            assertTrue(System.nanoTime() < end, "serve did not start");
            Thread.sleep(20);
        }
        return p;
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
