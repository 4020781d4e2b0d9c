package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cli.Main;

/** {@code ./stirshield serve} as a real process: config, a call, SIGTERM draining the call in flight. */
class ServeCommandTest {

    @Test
    void servesAndDrainsTheCallInFlightOnSigterm(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("stirshield.yaml");
        Path audit = dir.resolve("audit.jsonl");
        Files.writeString(config, "server:\n  listen: 127.0.0.1:" + port + "\n  allow: [127.0.0.1/32]\n"
                + "  shutdown_grace: 10s\naudit:\n  file: \"" + audit + "\"\nmetrics:\n  listen: 127.0.0.1:0\n");
        Path log = dir.resolve("serve.log");
        Process p = ServeProcess.start(config, log);
        try {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            AgiClient.Call call = AgiClient.call(address, "verify", Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                    "from-carrier", List.of(Scenarios.genuine()));
            AgiClient.Result r = AgiClient.run(address, call, Duration.ofSeconds(10));
            assertTrue(r.completed(), r.error());
            assertTrue(Set.of("allow", "tag", "reject").contains(r.variables().get("STIR_ACTION")), r.variables().toString());

            // a call in flight: half its environment block sent, then SIGTERM, then the rest
            String block = AgiClient.environmentBlock(call);
            try (Socket s = new Socket()) {
                s.connect(address, 5000);
                s.setSoTimeout(20_000);
                OutputStream out = s.getOutputStream();
                out.write(block.substring(0, block.length() / 2).getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(200);
                p.destroy(); // SIGTERM
                while (!Files.readString(log).contains("shutting down")) {
                    assertTrue(System.nanoTime() < end, "no shutdown");
                    Thread.sleep(10);
                }
                out.write(block.substring(block.length() / 2).getBytes(StandardCharsets.UTF_8));
                out.flush();
                java.io.BufferedReader in = new java.io.BufferedReader(
                        new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                Map<String, String> vars = new java.util.LinkedHashMap<>();
                String line;
                while ((line = in.readLine()) != null) { // the server's commands, answered as Asterisk does
                    out.write((AgiClient.answer(line, call, vars) + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                assertTrue(Set.of("allow", "tag", "reject").contains(vars.get("STIR_ACTION")),
                        "the call in flight is still answered: " + vars);
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "serve stopped");
            assertEquals(0, p.exitValue(), "a clean drain exits 0: systemd sees a successful stop");
            String text = ServeProcess.read(log);
            assertTrue(text.contains("stopped (drained)"), text);
            assertFalse(text.contains("Exception"), text);
            // both calls, the one answered during the drain included, are on record after the stop
            List<String> records = Files.readAllLines(audit);
            assertEquals(2, records.size(), records.toString());
            assertTrue(records.stream().allMatch(l -> l.contains("\"unique_id\":\"1763900000.1\"")), records.toString());
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badConfigurationIsAClearErrorNotAStackTrace(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("bad.yaml");
        Files.writeString(config, "server:\n  allow: [asterisk.example.org]\n");
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.run("serve", "--config", config.toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(2, rc);
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("server.allow") && text.contains("asterisk.example.org"), text);
        assertFalse(text.contains("\tat "), text);
    }
}
