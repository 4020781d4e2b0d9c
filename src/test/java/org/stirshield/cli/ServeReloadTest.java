package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.Pem;

/** {@code systemctl reload}: SIGHUP to a real serve process reloads trust and names the keys that need a restart. */
class ServeReloadTest {

    @Test
    void sighupReloadsTrustAndLogsKeysThatNeedARestart(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/a.pem"), Pem.certificate(CertificateAuthority.root("HUP Root A").certificate()));
        Path config = dir.resolve("stirshield.yaml");
        String yaml = "server:\n  listen: 127.0.0.1:" + port + "\nverification:\n  trust_dir: trust\n"
                + "audit:\n  file: audit.jsonl\nmetrics:\n  enabled: false\n";
        Files.writeString(config, yaml);
        Path log = dir.resolve("serve.log");
        Process p = CheckConfigAgreesWithServeTest.startServe(config, log);
        try {
            waitFor(log, "listening on", p);
            Files.writeString(dir.resolve("trust/b.pem"), Pem.certificate(CertificateAuthority.root("HUP Root B")
                    .certificate()));
            Files.writeString(config, yaml.replace(":" + port, ":" + (port == 65535 ? port - 1 : port + 1))
                    .replace("enabled: false", "enabled: false\n  listen: 127.0.0.1:9999"));
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0);
            waitFor(log, "2 trust anchor(s) from " + dir.resolve("trust"), p);
            waitFor(log, "applied only by a restart (systemctl restart stirshield): server.listen, metrics.listen", p);

            Files.writeString(dir.resolve("trust/c.pem"), "not a certificate");
            new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
            waitFor(log, "reload refused, the running trust anchors, CRL files and pinned certificates stay in force: "
                    + config + ":4: verification.trust_dir: " + dir.resolve("trust/c.pem") + ": neither a PEM", p);
            assertTrue(p.isAlive(), "a bad reload never stops the service");
            assertFalse(Files.readString(log).contains("\tat "), Files.readString(log));
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aServeStartedWithSighupIgnoredSaysSoAndKeepsRunning(@TempDir Path dir) throws Exception {
        // what nohup does: SIGHUP ignored before the JVM starts, which then never delivers it to a handler
        Files.createDirectories(dir.resolve("trust"));
        Path config = dir.resolve("stirshield.yaml");
        Files.writeString(config, "server:\n  listen: 127.0.0.1:0\nverification:\n  trust_dir: trust\n"
                + "audit:\n  file: audit.jsonl\nmetrics:\n  enabled: false\n");
        Path log = dir.resolve("serve.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("sh", "-c", "trap '' HUP; exec \"$0\" \"$@\"", java, "-cp",
                System.getProperty("java.class.path"), "org.stirshield.cli.Main", "serve", "--config",
                config.toString()).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
        try {
            waitFor(log, "listening on", p);
            assertTrue(read(log).contains("SIGHUP is ignored in this process (it was started with SIGHUP ignored, e.g."
                    + " by nohup): a SIGHUP reloads nothing."), read(log));
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
            assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0);
            Thread.sleep(500);
            assertTrue(p.isAlive(), "an ignored SIGHUP neither stops nor reloads: " + read(log));
            assertFalse(read(log).contains("SIGHUP: reloading"), read(log));
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static void waitFor(Path log, String text, Process p) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(log).contains(text)) {
            assertTrue(p.isAlive(), () -> "serve exited: " + read(log));
            assertTrue(System.nanoTime() < end, () -> "no '" + text + "' in: " + read(log));
            Thread.sleep(20);
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
