package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cli.Main;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.Pem;
import org.stirshield.testing.Tools;

/**
 * The operations kit in ops/ against the real thing:
 *
 * <ul>
 *   <li>the alert rules pass {@code promtool check rules} and their unit tests ({@code promtool test rules};
 *       Debian package {@code prometheus}, which .ci/run installs; never skipped in CI);</li>
 *   <li>{@code serve} runs as a real process with {@code logging.format: json}: every line it logs is one JSON
 *       object with time, level, logger, thread and message, and the start-up log names the metrics address;</li>
 *   <li>after real calls over FastAGI, that server's {@code /metrics} exports every StirShield, JVM and process
 *       metric the Grafana dashboard and the alert rules query.</li>
 * </ul>
 */
class OpsKitTest {
    private static final Path ALERTS = Path.of("ops/prometheus/alerts.yml");
    private static final Path ALERT_TESTS = Path.of("ops/prometheus/alerts_test.yml");
    private static final Path DASHBOARD = Path.of("ops/grafana/stirshield.json");
    /** Metric names in PromQL: ours and the client's JVM/process ones (recording rules, with ':', excluded). */
    private static final Pattern METRIC = Pattern.compile("(?<![:\\w])((?:stirshield|jvm|process)_[a-z0-9_]+)(?![:\\w(])");

    @TempDir
    static Path dir;
    static String scrape;
    static List<String> serveLog;

    /** Starts serve with JSON logs, makes calls through it, scrapes /metrics, stops it. */
    @BeforeAll
    static void runServe() throws Exception {
        CertificateAuthority root = CertificateAuthority.root("Ops Kit Test STI-CA");
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        Files.writeString(dir.resolve("pinned.pem"), root.issueLeaf(LeafSpec.spc("4321")).chainPem());
        int agiPort;
        try (ServerSocket s = new ServerSocket(0)) {
            agiPort = s.getLocalPort();
        }
        Path config = dir.resolve("stirshield.yaml");
        Files.writeString(config, """
                server: {listen: "127.0.0.1:%d", allow: [127.0.0.1/32]}
                verification: {trust_dir: "%s"}
                certificates: {pinned: {"https://cert.carrier.example/sti.pem": "%s"}}
                policy: {file: "%s", watch: false}
                audit: {file: "%s"}
                metrics: {listen: "127.0.0.1:0"}
                logging: {format: json}
                """.formatted(agiPort, dir.resolve("trust"), dir.resolve("pinned.pem"),
                Path.of("asterisk-conf/policy.yaml").toAbsolutePath(), dir.resolve("audit.jsonl")));
        Path log = dir.resolve("serve.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djdk.httpclient.allowRestrictedHeaders=host", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "org.stirshield.cli.Main", "serve", "--config",
                config.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Matcher metricsAt;
            while (!(metricsAt = Pattern.compile("metrics on (http://127\\.0\\.0\\.1:\\d+/metrics)")
                    .matcher(Files.readString(log))).find() || !Files.readString(log).contains("listening on")) {
                assertTrue(p.isAlive(), () -> "serve exited: " + read(log));
                assertTrue(System.nanoTime() < end, () -> "serve did not start: " + read(log));
                Thread.sleep(50);
            }
            String server = "127.0.0.1:" + agiPort;
            // a spoofed agency number from the international gateway (rejected), an unprotected unsigned call
            quiet(() -> Main.run("call", "--server", server, "--from", "+525536865100", "--to", "+12155550100",
                    "--context", "from-intl-gw"));
            quiet(() -> Main.run("call", "--server", server, "--from", "+12025550123", "--to", "+12155550100"));
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metricsAt.group(1)))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            scrape = r.body();
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
        serveLog = Files.readAllLines(log);
    }

    @Test
    void alertRulesPassPromtoolCheck() throws Exception {
        Path promtool = Tools.require("prometheus", "promtool");
        String out = run(promtool.toString(), "check", "rules", ALERTS.toString());
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void alertRulesPassTheirUnitTests() throws Exception {
        Path promtool = Tools.require("prometheus", "promtool");
        String out = run(promtool.toString(), "test", "rules", ALERT_TESTS.toString());
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void everyAlertTheIssueNamesIsThereAndTested() throws Exception {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile());
        Set<String> alerts = new TreeSet<>();
        rules.get("groups").forEach(g -> g.get("rules").forEach(r -> {
            if (r.has("alert")) {
                alerts.add(r.get("alert").asText());
                assertTrue(r.path("labels").has("severity"), r.get("alert") + " has a severity");
                assertTrue(r.path("annotations").has("summary") && r.path("annotations").has("description"),
                        r.get("alert") + " says what happened and what to do");
            }
        }));
        assertTrue(alerts.containsAll(List.of("StirShieldDown", "StirShieldNoCallsDecided", "StirShieldSpoofingSpike",
                "StirShieldFailSafeAnswers", "StirShieldAuditRecordsDropped", "StirShieldCertificateFetchFailures",
                "StirShieldTrustAnchorExpiring", "StirShieldPolicyReloadFailed")), alerts.toString());
        String tests = Files.readString(ALERT_TESTS);
        for (String a : alerts) {
            assertTrue(tests.contains("alertname: " + a), a + " has a unit test");
        }
    }

    @Test
    void serveLogsOneJsonObjectPerLineAndNamesTheMetricsAddress() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> events = new ArrayList<>();
        for (String line : serveLog) {
            if (line.startsWith("WARNING: ")) {
                continue; // the JVM's own warnings (native access, Unsafe), not StirShield's log
            }
            JsonNode n = json.readTree(line);
            assertTrue(n.isObject(), line);
            for (String field : List.of("time", "level", "logger", "thread", "message")) {
                assertTrue(n.hasNonNull(field), field + " in " + line);
            }
            assertTrue(n.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), line);
            events.add(n);
        }
        assertTrue(events.size() >= 3, "serve logged: " + serveLog);
        assertTrue(events.stream().anyMatch(e -> e.get("message").asText().matches(
                "metrics on http://127\\.0\\.0\\.1:\\d+/metrics, liveness on /health")), "the metrics address is logged");
        assertTrue(events.stream().anyMatch(e -> e.get("logger").asText().startsWith("org.stirshield.")));
    }

    @Test
    void theDashboardQueriesOnlyMetricsTheServerExports() throws Exception {
        JsonNode dash = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> queries = new ArrayList<>();
        collectQueries(dash, queries);
        assertTrue(queries.size() >= 25, "the dashboard has its queries: " + queries.size());
        Set<String> used = names(queries);
        assertTrue(used.size() >= 20, used.toString());
        assertExported(used, "dashboard");
        // every panel asks the same data source variable
        dash.get("panels").forEach(p -> {
            if (!p.get("type").asText().equals("row")) {
                assertEquals("${datasource}", p.at("/datasource/uid").asText(), p.get("title").asText());
            }
        });
    }

    @Test
    void theAlertRulesQueryOnlyMetricsTheServerExports() throws Exception {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile());
        List<String> exprs = new ArrayList<>();
        rules.get("groups").forEach(g -> g.get("rules").forEach(r -> exprs.add(r.get("expr").asText())));
        assertExported(names(exprs), "alerts.yml");
    }

    /** Every name is a sample name in the real server's scrape. */
    private static void assertExported(Set<String> names, String where) {
        Set<String> exported = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(scrape);
        while (m.find()) {
            exported.add(m.group(1));
        }
        List<String> missing = names.stream().filter(n -> !exported.contains(n)).toList();
        assertEquals(List.of(), missing, where + " queries metrics the server does not export; it exports " + exported);
        assertFalse(names.isEmpty());
    }

    private static Set<String> names(List<String> queries) {
        Set<String> out = new TreeSet<>();
        for (String q : queries) {
            Matcher m = METRIC.matcher(q);
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private static void collectQueries(JsonNode n, List<String> out) {
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> {
                if ((e.getKey().equals("expr") || e.getKey().equals("definition")) && e.getValue().isTextual()) {
                    out.add(e.getValue().asText());
                } else {
                    collectQueries(e.getValue(), out);
                }
            });
        } else if (n.isArray()) {
            n.forEach(x -> collectQueries(x, out));
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "finished: " + String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    private static void quiet(java.util.function.IntSupplier call) {
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertTrue(call.getAsInt() <= 1, "the call was decided");
        } finally {
            System.setOut(old);
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
