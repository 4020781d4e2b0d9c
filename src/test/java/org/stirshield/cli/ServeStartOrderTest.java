package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve's start order (docs/performance.md, Start-up): the ES256 provider upgrade (loading ACCP, else BouncyCastle)
 * starts only once the FastAGI listener is open, so that it does not compete with the start-up for the CPU; the
 * server then switches to it by itself.
 */
class ServeStartOrderTest {
    private static final String LISTENING = "FastAGI server listening on";
    private static final String UPGRADING = "ES256 provider upgrade: loading";
    private static final String UPGRADED = "ES256 verification via";

    @Test
    void theProviderUpgradeStartsAfterTheListenerOpens(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("serve.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.stirshield.cli.Main",
                "serve", "--listen", "127.0.0.1:0", "--metrics", "off")
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("STIRSHIELD_LOG_LEVEL", "DEBUG");
        Process p = pb.start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String out = Files.readString(log);
            while (!out.contains(UPGRADED)) {
                assertTrue(p.isAlive(), "serve exited: " + out);
                assertTrue(System.nanoTime() < end, "no provider upgrade: " + out);
                Thread.sleep(20);
                out = Files.readString(log);
            }
            assertTrue(out.contains(LISTENING) && out.contains(UPGRADING), out);
            assertTrue(out.indexOf(LISTENING) < out.indexOf(UPGRADING), "the listener first, then the upgrade: " + out);
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
