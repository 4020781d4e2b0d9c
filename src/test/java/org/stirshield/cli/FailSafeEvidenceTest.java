package org.stirshield.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.agi.AgiClient;
import org.stirshield.agi.AgiServer;
import org.stirshield.agi.ServerSettings;
import org.stirshield.cert.Deadline;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Decision;
import org.stirshield.service.CallScreener;
import org.stirshield.service.StirShieldService;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.Pem;
import org.stirshield.testing.ForwardingScreener;
import org.stirshield.testing.MetricsScrape;
import org.stirshield.verify.CallAttempt;

/**
 * A call claiming a protected number that the watchdog answers (its decision late: a certificate server that
 * accepts and never answers, a session thread stalled past the deadline) is evidence like any other: over a
 * real FastAGI session into the real service (sample policy, audit file, metrics endpoint), its audit record
 * has the canonical caller, the agency, policy and protected entry; the answer names the agency; it is a row of
 * {@code report --format traceback} and counts in {@code stirshield_protected_calls_total}.
 */
class FailSafeEvidenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofMillis(300);

    @TempDir
    Path dir;

    @Test
    void aWatchdogAnswerForAProtectedCallerIsRecordedReportedAndCountedAsTheAgencys() throws Exception {
        CertificateAuthority root = CertificateAuthority.root("Fail-safe Evidence STI-CA");
        LeafCertificate leaf = root.issueLeaf(LeafSpec.spc("MX01"));
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        Path audit = dir.resolve("audit.jsonl");
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket certServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> { // accepts, never answers
                try {
                    while (true) {
                        held.add(certServer.accept());
                    }
                } catch (IOException closed) {
                    // done
                }
            });
            String x5u = "https://127.0.0.1:" + certServer.getLocalPort() + "/sti.pem";
            Path config = dir.resolve("stirshield.yaml");
            Files.writeString(config, """
                    verification: {trust_dir: "%s"}
                    certificates: {allowed_ports: any, permit_cidrs: [127.0.0.0/8], connect_timeout: 10s, fetch_timeout: 20s}
                    policy: {file: "%s", watch: false}
                    audit: {file: "%s"}
                    metrics: {listen: "127.0.0.1:0"}
                    """.formatted(dir.resolve("trust"), Path.of("asterisk-conf/policy.yaml").toAbsolutePath(), audit));
            StirShieldService service = StirShieldService.start(
                    new StirShieldService.Options(config, ConfigValues.readYaml(config), null, null));
            List<Map<String, String>> answers = new ArrayList<>();
            String protectedCalls;
            try {
                // the session thread of calls whose id ends in ".stall" is held past the deadline before the
                // pipeline runs (a GC pause, a starved CPU): the watchdog answers them
                CallScreener stalling = new ForwardingScreener(service.screener()) {
                    @Override
                    public Decision screen(CallAttempt call, Deadline deadline) {
                        return screen(call, deadline, () -> true);
                    }

                    @Override
                    public Decision screen(CallAttempt call, Deadline deadline, BooleanSupplier claim) {
                        if (call.callId().endsWith(".stall")) {
                            try {
                                Thread.sleep(deadline.remaining().toMillis() + 1_000);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        return real.screen(call, deadline, claim);
                    }
                };
                AgiServer server = AgiServer.start(ServerSettings.defaults()
                        .withListen(new InetSocketAddress("127.0.0.1", 0))
                        .withLimits(16, Duration.ofSeconds(10), DEADLINE, Duration.ofSeconds(5)), stalling);
                try {
                    for (String id : List.of("1.stall", "2.fetch")) {
                        String jws = PassportSigner.shaken(leaf.privateKey(), x5u, "A", "525536865100",
                                List.of("12155550100"), Instant.now().getEpochSecond(), null);
                        AgiClient.Call call = AgiClient.call(server.address(), "verify", "+525536865100",
                                "+12155550100", "carrier", List.of(PassportSigner.identityHeader(jws, x5u)))
                                .with("agi_uniqueid", id);
                        AgiClient.Result r = AgiClient.run(server.address(), call, Duration.ofSeconds(30));
                        assertTrue(r.completed(), r.error());
                        answers.add(r.variables());
                    }
                } finally {
                    server.shutdown(Duration.ofSeconds(10)); // waits for the stalled call's late decision
                }
                assertTrue(server.stats().deadlineFailsafe() >= 1, "the watchdog answered the stalled call");
                protectedCalls = MetricsScrape.get(service.metrics().port(), "/metrics").body();
            } finally {
                service.close();
                for (Socket h : held) {
                    h.close();
                }
            }

            // what Asterisk was told
            assertEquals("decision_timeout", answers.get(0).get("STIR_REASON"), answers.get(0).toString());
            assertEquals("x5u_timeout", answers.get(1).get("STIR_REASON"), answers.get(1).toString());
            for (Map<String, String> a : answers) {
                assertEquals("SRE Mexico", a.get("STIR_AGENCY"), a.toString());
                assertEquals("FAIL", a.get("STIR_STATUS"), a.toString());
            }

            // the audit records: one per call, the protected number's evidence in each
            List<String> lines = Files.readAllLines(audit);
            assertEquals(2, lines.size(), String.join("\n", lines));
            for (int i = 0; i < 2; i++) {
                JsonNode n = JSON.readTree(lines.get(i));
                String what = lines.get(i);
                assertEquals("+525536865100", n.get("caller_raw").asText(), what);
                assertEquals("525536865100", n.get("caller").asText(), "canonical, as every other record: " + what);
                assertEquals("12155550100", n.get("called").asText(), what);
                assertEquals("SRE Mexico", n.get("agency").asText(), what);
                assertEquals("foreign-ministry", n.get("policy").asText(), what);
                assertEquals("525536865100", n.get("protected_entry").asText(), what);
                assertEquals("FAIL", n.get("status").asText(), what);
            }
            JsonNode stalled = lines.stream().map(FailSafeEvidenceTest::json)
                    .filter(n -> n.get("unique_id").asText().equals("1.stall")).findFirst().orElseThrow();
            assertEquals("decision_timeout", stalled.get("reason").asText());
            assertEquals("tag", stalled.get("action").asText(), "server.failsafe_action");

            // counted as the agency's
            double counted = 0;
            for (String l : protectedCalls.split("\n")) {
                if (l.startsWith("stirshield_protected_calls_total{") && l.contains("agency=\"SRE Mexico\"")) {
                    counted += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
                }
            }
            assertEquals(2, counted, protectedCalls);

            // a row each in the traceback report
            CheckConfigAgreesWithServeTest.Run report = CliRun.run("report", "--format", "traceback", "-q",
                    audit.toString());
            assertEquals(0, report.code(), report.err());
            List<String> rows = report.out().lines().skip(1).toList();
            assertEquals(2, rows.size(), report.out());
            assertTrue(rows.stream().anyMatch(r -> r.contains("1.stall") && r.contains("decision_timeout")
                    && r.contains("SRE Mexico") && r.contains("+525536865100")), report.out());
            assertTrue(rows.stream().anyMatch(r -> r.contains("2.fetch") && r.contains("x5u_timeout")
                    && r.contains("SRE Mexico")), report.out());
        }
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
