package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a real {@code serve} process while 500 calls are in flight (each waiting for a certificate from a
 * server that accepts and never answers, so each lasts until its decision deadline). Every call is either answered
 * (STIR_STATUS and STIR_ACTION set) or cleanly refused (the connection is refused or closed before the server has
 * read anything); none is left half-done; every answered call is in the audit file once, after the process exits, and the
 * drained process exits 0 (143, 128 + SIGTERM, is a failure to systemd).
 */
class SigtermUnderLoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyCallInFlightIsAnsweredOrCleanlyRefusedAndRecorded() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket hang = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!hang.isClosed()) {
                    try {
                        held.add(hang.accept());
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            Path config = dir.resolve("stirshield.yaml");
            Path audit = dir.resolve("audit.jsonl");
            Files.writeString(config, """
                    server: {listen: "127.0.0.1:%d", allow: [127.0.0.1/32], shutdown_grace: 15s, max_sessions: 1024,
                             decision_deadline: 1s}
                    certificates: {permit_cidrs: ["127.0.0.0/8"], allowed_ports: "*", fetch_timeout: 5s}
                    audit: {file: "%s"}
                    metrics: {enabled: false}
                    """.formatted(port, audit));
            Path log = dir.resolve("serve.log");
            Process p = ServeProcess.start(config, log);
            try {
                InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
                int calls = 500;
                List<AgiClient.Call> prepared = new ArrayList<>();
                for (int i = 0; i < calls; i++) {
                    String x5u = "https://127.0.0.1:" + hang.getLocalPort() + "/cert-" + i + ".pem";
                    prepared.add(AgiClient.call(address, "verify", Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                            "from-carrier", List.of(Scenarios.identity(Scenarios.PROTECTED_TN, x5u)))
                            .with("agi_uniqueid", "sigterm." + i));
                }
                List<Future<AgiClient.Result>> results = new ArrayList<>();
                try (ExecutorService vt = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (AgiClient.Call c : prepared) {
                        results.add(vt.submit(() -> AgiClient.run(address, c, Duration.ofSeconds(30))));
                    }
                    Thread.sleep(300); // the calls are waiting for their certificates
                    p.destroy(); // SIGTERM
                    int answered = 0;
                    int refused = 0;
                    Set<String> answeredIds = new HashSet<>();
                    for (int i = 0; i < calls; i++) {
                        AgiClient.Result r = results.get(i).get(60, TimeUnit.SECONDS);
                        if (r.variables().containsKey("STIR_STATUS")) {
                            assertTrue(Set.of("allow", "tag", "reject").contains(r.variables().get("STIR_ACTION")),
                                    r.variables().toString());
                            answered++;
                            answeredIds.add("sigterm." + i);
                        } else {
                            assertTrue(r.commands().isEmpty(), "refused before any command, not half-answered: " + r);
                            refused++;
                        }
                    }
                    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "serve stopped");
                    String text = ServeProcess.read(log);
                    assertTrue(text.contains("stopped (drained)"), text);
                    assertEquals(0, p.exitValue(), "a clean drain exits 0 (systemd must not see a failure): " + text);
                    assertTrue(answered > 0, "calls in flight at SIGTERM were answered: " + answered + "/" + refused);
                    assertEquals(calls, answered + refused);
                    Set<String> recorded = new HashSet<>();
                    for (String line : Files.readAllLines(audit)) {
                        assertTrue(recorded.add(JSON.readTree(line).get("unique_id").asText()), "one record per call");
                    }
                    assertTrue(recorded.containsAll(answeredIds), "every answered call is on record: "
                            + answeredIds.stream().filter(id -> !recorded.contains(id)).limit(5).toList());
                    System.out.printf("SIGTERM with %d calls in flight: %d answered, %d refused, %d records, exit %d%n",
                            calls, answered, refused, recorded.size(), p.exitValue());
                }
            } finally {
                p.destroyForcibly();
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
