package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The policy rules of docs/policy.md decided end to end: a real FastAGI session against the real server, the real
 * verifier with really signed PASSporTs, the policy file, replay detection and the audit log.
 */
class AgiPolicyScenariosTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Scenarios scenarios = new Scenarios();
    private AgiServer server;
    private FakeAsterisk asterisk;

    @BeforeEach
    void start() throws Exception {
        server = AgiServer.start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)),
                scenarios.screener());
        asterisk = new FakeAsterisk(server.address());
    }

    @AfterEach
    void stop() {
        server.shutdown(Duration.ofSeconds(2));
        scenarios.close();
    }

    private Map<String, String> call(String callerTn, String identity) {
        AgiClient.Result r = asterisk.run(asterisk.call(callerTn, Scenarios.CALLED_TN, List.of(identity)));
        assertTrue(r.completed(), String.valueOf(r.error()));
        return r.variables();
    }

    @Test
    void signScriptGivesAnIdentityHeaderThatVerifiesOnTheReceivingSide() throws Exception {
        server.shutdown(Duration.ofSeconds(2));
        server = AgiServer.start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0)),
                scenarios.screener(), scenarios.service().signer());
        asterisk = new FakeAsterisk(server.address());
        // outbound: AGI(agi://127.0.0.1:4573/sign) on the originating PBX
        AgiClient.Result signed = asterisk.run(AgiClient.call(server.address(), "sign", Scenarios.PROTECTED_TN,
                Scenarios.CALLED_TN, "from-internal", List.of()));
        assertEquals("OK", signed.variables().get("STIR_SIGN_STATUS"), signed.toString());
        String identity = signed.variables().get("STIR_IDENTITY");
        assertTrue(identity.endsWith(";info=<" + Scenarios.GENUINE_X5U + ">;alg=ES256;ppt=shaken"), identity);
        // inbound at the terminating side: the same header verifies and passes the agency's policy
        assertEquals(Scenarios.expectedPass(), call(Scenarios.PROTECTED_TN, identity));

        AgiClient.Result bad = asterisk.run(AgiClient.call(server.address(), "sign", "anonymous",
                Scenarios.CALLED_TN, "from-internal", List.of()));
        assertEquals("FAIL", bad.variables().get("STIR_SIGN_STATUS"));
        assertEquals("invalid_tn", bad.variables().get("STIR_REASON"));
    }

    @Test
    void pinnedSignerIsAcceptedWithTheAgencysVerifiedName() {
        Map<String, String> v = call(Scenarios.PROTECTED_TN, Scenarios.signedByCarrier(Scenarios.PROTECTED_TN, "A"));
        assertEquals(Scenarios.expectedPass(), v);
    }

    @Test
    void anotherCarriersValidAAttestationIsRejectedAsSignerNotAllowed() {
        Map<String, String> v = call(Scenarios.PROTECTED_TN, Scenarios.signedByOtherCarrier(Scenarios.PROTECTED_TN));
        assertEquals("FAIL", v.get("STIR_STATUS"));
        assertEquals("reject", v.get("STIR_ACTION"));
        assertEquals("signer_not_allowed", v.get("STIR_REASON"));
        assertEquals("603", v.get("STIR_SIP_CODE"));
        assertEquals("TN-Validation-Passed", v.get("STIR_VERSTAT"), "the PASSporT itself is valid");
    }

    @Test
    void inboundOnlyNumberIsRejectedEvenWhenValidlySigned() {
        Map<String, String> v = call(Scenarios.INBOUND_ONLY_TN, Scenarios.signedByCarrier(Scenarios.INBOUND_ONLY_TN, "A"));
        assertEquals("reject", v.get("STIR_ACTION"));
        assertEquals("inbound_only", v.get("STIR_REASON"));
        assertEquals("603", v.get("STIR_SIP_CODE"));
        assertEquals(Scenarios.HOTLINE_AGENCY, v.get("STIR_AGENCY"));
    }

    @Test
    void internationalGatewayPresentingTheDomesticNumberIsRejected() {
        AgiClient.Call c = AgiClient.call(server.address(), "verify", Scenarios.PROTECTED_TN, Scenarios.CALLED_TN,
                "from-intl-gw", List.of(Scenarios.signedByCarrier(Scenarios.PROTECTED_TN, "A")));
        Map<String, String> v = asterisk.run(c).variables();
        assertEquals("reject", v.get("STIR_ACTION"));
        assertEquals("origin_not_allowed", v.get("STIR_REASON"));
    }

    @Test
    void attestationBBelowTheMinimumIsRejected() {
        Map<String, String> v = call(Scenarios.PROTECTED_TN, Scenarios.signedByCarrier(Scenarios.PROTECTED_TN, "B"));
        assertEquals("reject", v.get("STIR_ACTION"));
        assertEquals("attest_below_minimum", v.get("STIR_REASON"));
        assertEquals("B", v.get("STIR_ATTEST"));
    }

    @Test
    void theSamePassportOnASecondCallIsAReplayButARetryOfTheSameCallIsNot() {
        String token = Scenarios.signedByCarrier(Scenarios.PROTECTED_TN, "A");
        AgiClient.Call first = asterisk.call(Scenarios.PROTECTED_TN, Scenarios.CALLED_TN, List.of(token))
                .with("agi_uniqueid", "1763900000.11");
        assertEquals("PASS", asterisk.run(first).variables().get("STIR_STATUS"));
        assertEquals("PASS", asterisk.run(first).variables().get("STIR_STATUS"), "same call again: not a replay");
        AgiClient.Call other = first.with("agi_uniqueid", "1763900000.12");
        Map<String, String> v = asterisk.run(other).variables();
        assertEquals("FAIL", v.get("STIR_STATUS"));
        assertEquals("replayed_passport", v.get("STIR_REASON"));
        assertEquals("reject", v.get("STIR_ACTION"));
    }

    @Test
    void unprotectedCallerWithABadSignatureIsAllowedWithVerstatFailed() {
        String good = Scenarios.signedByCarrier(Scenarios.OTHER_TN, "A");
        int sig = good.indexOf(';') - 5;
        String tampered = good.substring(0, sig) + (good.charAt(sig) == 'A' ? 'B' : 'A') + good.substring(sig + 1);
        Map<String, String> v = call(Scenarios.OTHER_TN, tampered);
        assertEquals("NOT_PROTECTED", v.get("STIR_STATUS"));
        assertEquals("allow", v.get("STIR_ACTION"));
        assertEquals("TN-Validation-Failed", v.get("STIR_VERSTAT"));
        assertEquals("bad_signature", v.get("STIR_REASON"));
    }

    @Test
    void policyReloadsUnderCallLoadNeverShowACallAHalfLoadedPolicy() throws Exception {
        java.nio.file.Path file = scenarios.policyFile();
        java.util.Set<String> agencies = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> wrong = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> callers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            callers.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    Map<String, String> v = call(Scenarios.PROTECTED_TN, Scenarios.genuine());
                    calls.incrementAndGet();
                    String agency = v.get("STIR_AGENCY");
                    agencies.add(agency);
                    boolean known = agency.equals(Scenarios.AGENCY) || agency.startsWith("Agency version ");
                    if (!"PASS".equals(v.get("STIR_STATUS")) || !known) {
                        wrong.compareAndSet(null, v.toString());
                    }
                }
            }));
        }
        for (int version = 1; version <= 12; version++) {
            String text = version % 4 == 0
                    ? "policies: {government: {min_attest: Z}}\nprotected: []\n" // invalid: refused, old stays
                    : Scenarios.policyYaml("Agency version " + version);
            java.nio.file.Path tmp = file.resolveSibling("policy.yaml.tmp");
            java.nio.file.Files.writeString(tmp, text);
            java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            assertEquals(version % 4 != 0, scenarios.service().policy().reload(), "version " + version);
            Thread.sleep(30);
        }
        stop.set(true);
        for (Thread t : callers) {
            t.join();
        }
        assertEquals(null, wrong.get(), "every call saw one whole policy version");
        assertTrue(calls.get() > 20, "calls made during the reloads: " + calls.get());
        assertTrue(agencies.size() >= 3, "decisions came from several versions: " + agencies);
        assertEquals("Agency version 11", call(Scenarios.PROTECTED_TN, Scenarios.genuine()).get("STIR_AGENCY"),
                "the last valid version is in force");
    }

    @Test
    void aDecisionLaterThanTheDeadlineLeavesTheFailSafeAnswerOnRecordNotItsOwn() throws Exception {
        server.shutdown(Duration.ofSeconds(2));
        org.stirshield.service.CallScreener real = scenarios.screener();
        java.util.concurrent.CountDownLatch lateDecisionDone = new java.util.concurrent.CountDownLatch(1);
        org.stirshield.service.CallScreener slow = new org.stirshield.service.CallScreener() {
            @Override
            public org.stirshield.policy.Decision screen(org.stirshield.verify.CallAttempt call,
                    org.stirshield.cert.Deadline deadline) {
                throw new AssertionError("the adapter uses the claiming form");
            }

            @Override
            public org.stirshield.policy.Decision screen(org.stirshield.verify.CallAttempt call,
                    org.stirshield.cert.Deadline deadline, java.util.function.BooleanSupplier claim) {
                try {
                    Thread.sleep(deadline.remaining().toMillis() + 400); // e.g. a long GC pause
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                try {
                    return real.screen(call, deadline, claim);
                } finally {
                    lateDecisionDone.countDown();
                }
            }

            @Override
            public org.stirshield.policy.Decision recordFailSafe(org.stirshield.policy.Decision d, Duration elapsed) {
                return real.recordFailSafe(d, elapsed);
            }
        };
        server = AgiServer.start(ServerSettings.defaults().withListen(new InetSocketAddress("127.0.0.1", 0))
                .withLimits(16, Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofSeconds(2)), slow);
        asterisk = new FakeAsterisk(server.address());
        Map<String, String> v = call(Scenarios.PROTECTED_TN, Scenarios.genuine());
        assertEquals("decision_timeout", v.get("STIR_REASON"), "late in the decision itself: " + v);
        assertTrue(lateDecisionDone.await(10, java.util.concurrent.TimeUnit.SECONDS));
        server.shutdown(Duration.ofSeconds(2));
        scenarios.close();
        List<String> lines = scenarios.auditLines();
        assertEquals(1, lines.size(), lines.toString());
        JsonNode rec = JSON.readTree(lines.get(0));
        assertEquals("FAIL", rec.path("status").asText());
        assertEquals("decision_timeout", rec.path("reason").asText(), "what Asterisk was told, not the late PASS");
        assertEquals(v.get("STIR_ACTION"), rec.path("action").asText());
    }

    @Test
    void everyDecisionIsOnRecordWithWhatAsteriskWasTold() throws Exception {
        List<Map<String, String>> told = new ArrayList<>();
        told.add(call(Scenarios.PROTECTED_TN, Scenarios.signedByCarrier(Scenarios.PROTECTED_TN, "A")));
        told.add(call(Scenarios.PROTECTED_TN, Scenarios.spoofed()));
        told.add(call(Scenarios.PROTECTED_TN, ""));
        told.add(call(Scenarios.INBOUND_ONLY_TN, Scenarios.signedByCarrier(Scenarios.INBOUND_ONLY_TN, "A")));
        server.shutdown(Duration.ofSeconds(2));
        scenarios.close(); // drains the audit queue

        List<String> lines = scenarios.auditLines();
        assertEquals(told.size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode rec = JSON.readTree(lines.get(i));
            Map<String, String> v = told.get(i);
            assertEquals(v.get("STIR_STATUS"), rec.path("status").asText(), lines.get(i));
            assertEquals(v.get("STIR_ACTION"), rec.path("action").asText(), lines.get(i));
            assertEquals(v.get("STIR_REASON"), rec.path("reason").asText(), lines.get(i));
            assertEquals("1763900000.1", rec.path("unique_id").asText(), lines.get(i));
            assertEquals("from-carrier", rec.path("trunk").asText(), lines.get(i));
        }
        JsonNode pass = JSON.readTree(lines.get(0));
        assertEquals("1234", pass.path("spc").asText());
        assertEquals(Scenarios.GENUINE_X5U, pass.path("x5u").asText());
        assertEquals("861012308", pass.path("caller").asText());
    }
}
