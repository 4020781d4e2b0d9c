package org.stirshield.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cert.Deadline;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Decision;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.Pem;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.SipRequest;

/** The service as serve builds it from a configuration file: pipeline, audit record, metrics endpoint. */
class StirShieldServiceTest {
    private static final String X5U = "https://cert.carrier.example/sti.pem";

    @Test
    void aCallIsDecidedAuditedAndCountedAndMetricsAreServed(@TempDir Path dir) throws Exception {
        CertificateAuthority root = CertificateAuthority.root("Service Test STI-CA");
        LeafCertificate leaf = root.issueLeaf(LeafSpec.spc("4321"));
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        Files.writeString(dir.resolve("chain.pem"), leaf.chainPem());
        Path config = dir.resolve("stirshield.yaml");
        Files.writeString(config, """
                verification: {trust_dir: "%s"}
                certificates: {pinned: {"%s": "%s"}}
                audit: {file: "%s"}
                metrics: {listen: "127.0.0.1:0"}
                """.formatted(dir.resolve("trust"), X5U, dir.resolve("chain.pem"), dir.resolve("audit.jsonl")));

        StirShieldService service = StirShieldService.start(
                new StirShieldService.Options(config, ConfigValues.readYaml(config), null, null));
        Decision d;
        String metrics;
        try {
            String jws = PassportSigner.shaken(leaf.privateKey(), X5U, "A", "12025550123", List.of("12155550100"),
                    Instant.now().getEpochSecond(), null);
            d = service.screener().screen(new CallAttempt("+12025550123", "+12155550100",
                    List.of(PassportSigner.identityHeader(jws, X5U)), null, "from-carrier", "1.1", "PJSIP/a-1"),
                    Deadline.in(Duration.ofSeconds(1)));
            HttpClient http = HttpClient.newHttpClient();
            int port = service.metrics().port();
            metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        } finally {
            service.close();
        }
        // the embedded example policy does not protect this number: verified, allowed, NOT_PROTECTED
        assertEquals("NOT_PROTECTED", d.status());
        assertEquals("verified", d.reason());
        assertEquals("4321", d.verdict().spc());
        assertTrue(metrics.contains("stirshield_calls_total{action=\"allow\",reason=\"verified\",status=\"not_protected\"} 1"),
                metrics);
        assertTrue(metrics.contains("stirshield_policy_last_reload_ok 1"), metrics);
        // the call's one lookup: a miss, or a hit when the background validation of the pinned chain (started
        // when the certificate source is built) finished first
        java.util.regex.Matcher lookups = java.util.regex.Pattern
                .compile("(?m)^stirshield_cert_cache_lookups_total\\{result=\"(?:hit|miss)\"} (\\S+)$").matcher(metrics);
        double total = 0;
        while (lookups.find()) {
            total += Double.parseDouble(lookups.group(1));
        }
        assertEquals(1, total, 0.0, metrics);
        // the service binds the expiry of its trust anchor and pinned certificate (both issued now, valid for years)
        java.util.regex.Matcher anchor = java.util.regex.Pattern
                .compile("stirshield_cert_expiry_seconds\\{type=\"trust_anchor\"} (\\S+)").matcher(metrics);
        assertTrue(anchor.find(), metrics);
        assertEquals(root.certificate().getNotAfter().getTime() / 1000.0 - System.currentTimeMillis() / 1000.0,
                Double.parseDouble(anchor.group(1)), 120);
        assertTrue(metrics.contains("stirshield_cert_expiry_seconds{type=\"pinned\"}"), metrics);
        assertTrue(metrics.contains("stirshield_build_info{"), metrics);
        List<String> audit = Files.readAllLines(dir.resolve("audit.jsonl"));
        assertEquals(1, audit.size());
        assertTrue(audit.get(0).contains("\"unique_id\":\"1.1\"") && audit.get(0).contains("\"spc\":\"4321\""), audit.get(0));
    }

    /**
     * Traceback evidence through the whole pipeline: what the agi adapter puts into the call's SipRequest
     * (Call-ID, source, From, P-Asserted-Identity, History-Info, Diversion) and the Identity header as
     * received end up in the audit record; audit.evidence.identity_headers: false keeps the header out.
     */
    @Test
    void theAuditRecordCarriesTheSipEvidenceOfTheCall(@TempDir Path dir) throws Exception {
        SipRequest sip = new SipRequest("8f0c2e1a@sbc.carrier.example", "[2001:db8::7]:5061",
                "<sip:+12025550123@sbc.carrier.example>;tag=77", List.of("<sip:+12025550123@sbc.carrier.example>"),
                List.of("<sip:+12155550100@pbx.example>;index=1"), List.of("<sip:+12155550199@pbx.example>;reason=unconditional"));
        String identity = "eyJhbGciOiJFUzI1NiJ9.eyJ9.c2ln;info=<https://cert.unknown.example/x.pem>;ppt=shaken";
        for (boolean headers : List.of(true, false)) {
            Path audit = dir.resolve("audit-" + headers + ".jsonl");
            Path config = dir.resolve("stirshield-" + headers + ".yaml");
            Files.writeString(config, """
                    audit: {file: "%s", evidence: {identity_headers: %s, max_identity_bytes: 4KiB}}
                    metrics: {enabled: false}
                    """.formatted(audit, headers));
            StirShieldService service = StirShieldService.start(
                    new StirShieldService.Options(config, ConfigValues.readYaml(config), null, null));
            try {
                service.screener().screen(new CallAttempt("+12025550123", "+12155550100", List.of(identity), null,
                        "from-carrier", "1.7", "PJSIP/carrier-00000007", null, sip), Deadline.in(Duration.ofSeconds(1)));
            } finally {
                service.close();
            }
            com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(Files.readAllLines(audit).get(0));
            assertEquals("8f0c2e1a@sbc.carrier.example", n.get("sip_call_id").asText());
            assertEquals("[2001:db8::7]:5061", n.get("source").asText());
            assertEquals(sip.from(), n.get("from").asText());
            assertEquals(sip.assertedIdentities().get(0), n.get("pai").get(0).asText());
            assertEquals(sip.historyInfo().get(0), n.get("history_info").get(0).asText());
            assertEquals(sip.diversion().get(0), n.get("diversion").get(0).asText());
            assertEquals(1, n.get("identity_count").asInt());
            assertTrue(n.get("ts").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), n.get("ts").asText());
            if (headers) {
                assertEquals(identity, n.get("identity").get(0).asText());
            } else {
                assertTrue(n.get("identity").isNull(), "identity headers not kept");
            }
        }
    }

    @Test
    void anInvalidPolicyFileStopsStartupWithFileAndLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("policy.yaml"), "policies: {p: {min_attest: Q}}\nprotected: []\n");
        Path config = dir.resolve("stirshield.yaml");
        Files.writeString(config, "policy: {file: \"%s\"}\naudit: {file: \"%s\"}\nmetrics: {enabled: false}\n"
                .formatted(dir.resolve("policy.yaml"), dir.resolve("audit.jsonl")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StirShieldService.start(
                new StirShieldService.Options(config, ConfigValues.readYaml(config), null, null)));
        assertTrue(e.getMessage().contains("policy.yaml:1"), e.getMessage());
    }

    /**
     * The samples a PBX admin pastes work together: asterisk-conf/stirshield.yaml (run from the repository
     * root, as the README says) loads asterisk-conf/policy.yaml, and the trunk name extensions.conf passes
     * for the international gateway is the one policy.yaml's origin rule names.
     */
    @Test
    void theSampleConfigurationWorksAsShipped(@TempDir Path dir) throws Exception {
        Path config = Path.of("asterisk-conf/stirshield.yaml");
        String dialplan = Files.readString(Path.of("asterisk-conf/extensions.conf"));
        java.util.regex.Matcher gosub = java.util.regex.Pattern
                .compile("\\[stirshield-from-intl-gw].*?Gosub\\(stirshield-verify,s,1\\(([^)]+)\\)\\)", java.util.regex.Pattern.DOTALL)
                .matcher(dialplan);
        assertTrue(gosub.find(), "extensions.conf: the international gateway context runs the Gosub");
        String intlTrunk = gosub.group(1);

        StirShieldService service = StirShieldService.start(new StirShieldService.Options(config,
                ConfigValues.readYaml(config), dir.resolve("audit.jsonl"), "off"));
        try {
            Decision d = service.screener().screen(new CallAttempt("+52 55 3686 5100", "+12155550100", List.of(), null,
                    intlTrunk, "2.1", null), Deadline.in(Duration.ofSeconds(1)));
            assertEquals("SRE Mexico", d.match().agency());
            assertEquals("origin_not_allowed", d.reason());
            assertEquals("reject", d.action().token());
        } finally {
            service.close();
        }
    }

    /**
     * asterisk-conf/ pastes into a PBX that already has a dialplan: every context is stirshield-*, nothing
     * defines [globals] or FreePBX's contexts; nothing follows PJSIPHangup (it ends the dialplan); and no
     * protected policy shipped lets a call through on an infrastructure error (a spoofer can point x5u at a
     * dead server).
     */
    @Test
    void theSamplesCollideWithNothingAndNeverAllowOnInfrastructureErrors() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("asterisk-conf/extensions.conf"));
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.startsWith("[")) {
                assertTrue(l.matches("\\[stirshield-[a-z0-9-]+]"), "extensions.conf:" + (i + 1) + ": " + l);
            }
            if (l.startsWith("same") && l.contains("PJSIPHangup(")) {
                String next = i + 1 < lines.size() ? lines.get(i + 1).strip() : "";
                assertTrue(next.isEmpty() || next.startsWith(";") || next.matches("same => n\\([a-z]+\\),.*"),
                        "extensions.conf:" + (i + 2) + ": never runs, PJSIPHangup ends the dialplan: " + next);
            }
        }
        for (String l : Files.readAllLines(Path.of("asterisk-conf/pjsip.conf"))) {
            if (l.startsWith("context=")) {
                assertTrue(l.startsWith("context=stirshield-"), l);
            }
        }
        List<org.stirshield.policy.Policy> shipped = List.of(
                org.stirshield.policy.PolicyLoader.load(Path.of("asterisk-conf/policy.yaml")),
                org.stirshield.policy.PolicyLoader.load(Path.of("src/dist/conf/policy.yaml")),
                org.stirshield.policy.PolicyLoader.loadEmbedded());
        for (org.stirshield.policy.Policy p : shipped) {
            p.rules().forEach((name, rule) -> assertTrue(rule.inboundOnly()
                    || rule.onInfrastructureError() != org.stirshield.policy.Action.ALLOW,
                    p.summary() + ": policy '" + name + "' allows a call on an infrastructure error"));
        }
    }

    /**
     * The shipped sample policy with the real pipeline: a PASSporT whose x5u points at a dead certificate
     * server (connection refused) cannot be verified (x5u_unreachable). For numbers whose policy rejects
     * failed or unsigned calls (foreign-ministry, anti-fraud-callout), that call is rejected too: a dead x5u is
     * no way past reject. The provincial department, which tags failures and unsigned calls, tags it.
     */
    @Test
    void theSamplePolicyRejectsAProtectedCallWhoseX5uServerIsDead(@TempDir Path dir) throws Exception {
        CertificateAuthority root = CertificateAuthority.root("Dead x5u Test STI-CA");
        LeafCertificate leaf = root.issueLeaf(LeafSpec.spc("MX01"));
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        String x5u = "https://127.0.0.1:" + dead + "/sti.pem";
        Path config = dir.resolve("stirshield.yaml");
        Files.writeString(config, """
                verification: {trust_dir: "%s", region: CN}
                certificates: {allowed_ports: any, permit_cidrs: [127.0.0.0/8], connect_timeout: 5s, fetch_timeout: 10s}
                policy: {file: "%s", watch: false}
                audit: {file: "%s"}
                metrics: {enabled: false}
                """.formatted(dir.resolve("trust"), Path.of("asterisk-conf/policy.yaml").toAbsolutePath(),
                dir.resolve("audit.jsonl")));
        StirShieldService service = StirShieldService.start(
                new StirShieldService.Options(config, ConfigValues.readYaml(config), null, null));
        try {
            // caller, the number signed, the agency, the expected action
            List<List<String>> calls = List.of(
                    List.of("+52 55 3686 5100", "525536865100", "SRE Mexico", "reject"),
                    List.of("+86 96110", "8696110", "96110 Anti-Fraud Center", "reject"),
                    List.of("+86 20 8311 0000", "862083110000", "Provincial Department (example)", "tag"));
            int n = 0;
            for (List<String> c : calls) {
                String jws = PassportSigner.shaken(leaf.privateKey(), x5u, "A", c.get(1), List.of("8613800138000"),
                        Instant.now().getEpochSecond(), null);
                Decision d = service.screener().screen(new CallAttempt(c.get(0), "+8613800138000",
                        List.of(PassportSigner.identityHeader(jws, x5u)), null, "carrier", "3." + n++, null),
                        Deadline.in(Duration.ofSeconds(20)));
                assertEquals(c.get(2), d.match() == null ? null : d.match().agency(), c.get(0));
                assertEquals("x5u_unreachable", d.reason(), c.get(0) + ": " + d.reason());
                assertEquals(c.get(3), d.action().token(), c.get(0) + ": the sample policy's on_infrastructure_error");
            }
        } finally {
            service.close();
        }
    }
}
