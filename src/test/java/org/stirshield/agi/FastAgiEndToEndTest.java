package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.Pem;
import org.stirshield.sign.RcdClaims;

/**
 * End to end over the FastAGI protocol only: a real {@code stirshield serve} process started from a
 * configuration file, real TCP sessions played as Asterisk 22 plays them ({@link AgiClient}: the environment
 * block, the AGI arguments, the answers to the server's {@code GET FULL VARIABLE}), PASSporTs really signed
 * with a test STI PKI made by the sign package, and the audit file the process writes. Nothing here uses the
 * server's internals, so a rewrite of them keeps these tests meaningful.
 *
 * <ul>
 *   <li>traceback evidence in the audit record (docs/audit.md): SIP Call-ID, source, From, P-Asserted-Identity,
 *       the Identity headers and their count, passed as {@code callid=}/{@code source=} arguments or read by the
 *       server; and the {@code audit.evidence.identity_headers: false} switch;
 *   <li>a forwarded agency call (RFC 8946): SHAKEN PASSporT + div PASSporT with History-Info or Diversion as
 *       Asterisk returns them; a broken chain and an unauthorized forwarder get their div reasons;
 *   <li>Rich Call Data (RFC 9795): a call presenting a protected agency's name it has no right to is
 *       {@code name_spoofed}; the agency's own branded call gets {@code STIR_RCD_NAME}.
 * </ul>
 */
class FastAgiEndToEndTest {
    static final String AGENCY = "Ministry of Examples";
    static final String AGENCY_TN = "12025550100";
    static final String STRANGER_TN = "13105550123";
    static final String CITIZEN = "12155550111";
    static final String MOBILE = "12155550122";
    static final String ELSEWHERE = "12155550199";
    static final String X5U = "https://cert.agency-carrier.example/sti.pem";
    static final String FWD_X5U = "https://cert.mobile-carrier.example/div.pem";
    static final String ROGUE_FWD_X5U = "https://cert.rogue-forwarder.example/div.pem";
    static final String OTHER_X5U = "https://cert.other-carrier.example/sti.pem";
    static final ObjectMapper JSON = new ObjectMapper();
    static final AtomicInteger IDS = new AtomicInteger();

    @TempDir
    static Path dir;
    static LeafCertificate agencyCarrier;
    static LeafCertificate forwarder;
    static LeafCertificate rogueForwarder;
    static LeafCertificate otherCarrier;
    /** Evidence on (the default). */
    static Serve full;
    /** {@code audit.evidence.identity_headers: false}. */
    static Serve noHeaders;

    /** One {@code serve} process and its audit file. */
    record Serve(Process process, InetSocketAddress address, Path audit, Path log) {
        AgiClient.Result run(AgiClient.Call call) {
            AgiClient.Result r = AgiClient.run(address, call, Duration.ofSeconds(20));
            assertTrue(r.completed(), () -> r.error() + "\n" + ServeProcess.read(log));
            return r;
        }

        /** The audit record of the call with this Asterisk unique id (waits for the batched writer). */
        JsonNode record(String uniqueId) throws IOException, InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < end) {
                if (Files.exists(audit)) {
                    for (String line : Files.readAllLines(audit)) {
                        JsonNode n = JSON.readTree(line);
                        if (uniqueId.equals(n.path("unique_id").asText())) {
                            return n;
                        }
                    }
                }
                Thread.sleep(20);
            }
            throw new AssertionError("no audit record for " + uniqueId + " in " + audit);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        CertificateAuthority root = CertificateAuthority.root("FastAGI e2e STI-CA");
        agencyCarrier = root.issueLeaf(LeafSpec.spc("AGC1"));
        forwarder = root.issueLeaf(LeafSpec.spc("MOB1").withNumbers(CITIZEN));
        rogueForwarder = root.issueLeaf(LeafSpec.spc("ROG1").withNumbers(ELSEWHERE));
        otherCarrier = root.issueLeaf(LeafSpec.spc("OTH1"));
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        Files.writeString(dir.resolve("agency.pem"), agencyCarrier.chainPem());
        Files.writeString(dir.resolve("fwd.pem"), forwarder.chainPem());
        Files.writeString(dir.resolve("rogue.pem"), rogueForwarder.chainPem());
        Files.writeString(dir.resolve("other.pem"), otherCarrier.chainPem());
        Files.writeString(dir.resolve("policy.yaml"), """
                reject_sip_code: 603
                policies:
                  agency: {verified_name: true, on_failure: reject, on_missing_identity: reject}
                protected:
                  - {number: "+%s", agency: "%s", policy: agency}
                names:
                  on_spoof: reject
                  protected:
                    - {name: "%s", agency: "%s"}
                """.formatted(AGENCY_TN, AGENCY, AGENCY, AGENCY));
        full = serve("full", "");
        noHeaders = serve("no-headers", "evidence: {identity_headers: false}");
    }

    static Serve serve(String name, String auditExtra) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path audit = dir.resolve(name + "-audit.jsonl");
        // a generous deadline: a fresh JVM's first calls on a loaded 2-core machine can outlast the default 1 s,
        // and these tests are about verdicts and records, not about the deadline (AgiServerTest covers that)
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, """
                server: {listen: "127.0.0.1:%d", allow: [127.0.0.1/32], shutdown_grace: 5s, decision_deadline: 15s}
                verification: {trust_dir: "%s"}
                certificates:
                  pinned: {"%s": "%s", "%s": "%s", "%s": "%s", "%s": "%s"}
                policy: {file: "%s", watch: false}
                audit:
                  file: "%s"
                  %s
                metrics: {enabled: false}
                """.formatted(port, dir.resolve("trust"), X5U, dir.resolve("agency.pem"), FWD_X5U, dir.resolve("fwd.pem"),
                ROGUE_FWD_X5U, dir.resolve("rogue.pem"), OTHER_X5U, dir.resolve("other.pem"), dir.resolve("policy.yaml"),
                audit, auditExtra));
        Path log = dir.resolve(name + ".log");
        Process p = ServeProcess.start(config, log);
        return new Serve(p, new InetSocketAddress("127.0.0.1", port), audit, log);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (Serve s : new Serve[] {full, noHeaders}) {
            if (s != null) {
                s.process().destroy();
                if (!s.process().waitFor(30, TimeUnit.SECONDS)) {
                    s.process().destroyForcibly();
                }
            }
        }
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    static String shaken(LeafCertificate signer, String x5u, String orig, String dest, RcdClaims rcd) {
        return PassportSigner.identityHeader(PassportSigner.shaken(signer.privateKey(), x5u, "A", orig, List.of(dest),
                now(), "o-" + IDS.incrementAndGet(), rcd), x5u);
    }

    static String div(LeafCertificate signer, String x5u, String orig, String from, String to) {
        return PassportSigner.identityHeader(PassportSigner.div(signer.privateKey(), x5u, orig, List.of(to), from,
                now(), null), x5u, "div");
    }

    /** The agency's own SHAKEN PASSporT (its carrier's signature) for a call to the citizen. */
    static String agencyToCitizen() {
        return shaken(agencyCarrier, X5U, AGENCY_TN, CITIZEN, RcdClaims.none());
    }

    /**
     * The agency's call to the citizen, forwarded to {@code MOBILE}: the agency's PASSporT and {@code div} as the
     * SIP request's Identity headers, beside {@code forwarding} (its History-Info or Diversion), read by the server.
     */
    static AgiClient.Call forwardedToMobile(String div, Map<String, String> forwarding) {
        return call(full, AGENCY_TN, MOBILE, List.of())
                .withVariables(merge(headers("Identity", agencyToCitizen(), div), forwarding));
    }

    /** A call as Asterisk presents it, with a unique id of its own; {@code args} are the AGI() arguments. */
    static AgiClient.Call call(Serve s, String caller, String called, List<String> args) {
        return AgiClient.call(s.address(), "verify", "+" + caller, "+" + called, "from-carrier", args)
                .with("agi_uniqueid", "e2e." + IDS.incrementAndGet());
    }

    static String uniqueId(AgiClient.Call c) {
        return c.environment().get("agi_uniqueid");
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** What {@code ${PJSIP_HEADER(read,NAME[,N])}} gives for each value, in order. */
    static Map<String, String> headers(String name, String... values) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            m.put("${PJSIP_HEADER(read," + name + (i == 0 ? "" : "," + (i + 1)) + ")}", values[i]);
        }
        return m;
    }

    @SafeVarargs
    static Map<String, String> merge(Map<String, String>... maps) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Map<String, String> x : maps) {
            m.putAll(x);
        }
        return m;
    }

    // display names with quotes, backslashes and commas: what AGI arguments would mangle
    static final String FROM = "\"Ministry \\\"Examples\\\", Desk\" <sip:+12025550100@gw.agency-carrier.example>;tag=9fx1";
    static final String PAI_SIP = "\"Ministry, HQ\" <sip:+12025550100@gw.agency-carrier.example;user=phone>";
    static final String PAI_TEL = "<tel:+12025550100>";

    @Test
    void evidencePassedAsArgumentsIsOnRecordWithWhatTheServerReads() throws Exception {
        String identity = agencyToCitizen();
        AgiClient.Call c = call(full, AGENCY_TN, CITIZEN, List.of(identity, "callid=a84b4c76e66710@198.51.100.7",
                "source=198.51.100.7:5060", "trunk=carrier-a"))
                .withVariables(merge(headers("From", FROM), headers("P-Asserted-Identity", PAI_SIP, PAI_TEL),
                        headers("Call-ID", "not-this-one@elsewhere"), Map.of("${CHANNEL(pjsip,remote_addr)}", "192.0.2.99:5060")));
        AgiClient.Result r = full.run(c);

        assertEquals("PASS", r.variables().get("STIR_STATUS"), r.toString());
        String fetch = r.commands().get(0);
        assertTrue(fetch.startsWith("GET FULL VARIABLE "), fetch);
        assertFalse(fetch.contains("Call-ID") || fetch.contains("remote_addr") || fetch.contains("read,Identity"),
                "what the dialplan passed is not asked for again: " + fetch);
        JsonNode rec = full.record(uniqueId(c));
        assertEquals("a84b4c76e66710@198.51.100.7", rec.get("sip_call_id").asText(), rec.toString());
        assertEquals("198.51.100.7:5060", rec.get("source").asText());
        assertEquals(FROM, rec.get("from").asText());
        assertEquals(List.of(PAI_SIP, PAI_TEL), texts(rec.get("pai")));
        assertEquals(List.of(identity), texts(rec.get("identity")));
        assertEquals(1, rec.get("identity_count").asInt());
        assertEquals("carrier-a", rec.get("trunk").asText());
    }

    @Test
    void evidenceTheServerReadsWithGetFullVariableIsOnRecordByteForByte() throws Exception {
        String identity = agencyToCitizen();
        // a second Identity header with a quoted parameter holding a comma: it must reach the record as received
        String second = shaken(otherCarrier, OTHER_X5U, STRANGER_TN, CITIZEN, RcdClaims.none()) + ";x-note=\"a, b\"";
        AgiClient.Call c = call(full, AGENCY_TN, CITIZEN, List.of("trunk=carrier-b"))
                .withVariables(merge(headers("Identity", identity, second), headers("From", FROM),
                        headers("P-Asserted-Identity", PAI_SIP, PAI_TEL),
                        headers("Call-ID", "3848276298220188511@203.0.113.7"),
                        Map.of("${CHANNEL(pjsip,remote_addr)}", "[2001:db8::7]:5061")));
        AgiClient.Result r = full.run(c);

        assertEquals("PASS", r.variables().get("STIR_STATUS"), r.toString());
        assertEquals(2, r.commands().size(), "one GET FULL VARIABLE, then the answer: " + r.commands());
        String fetch = r.commands().get(0);
        assertTrue(fetch.contains("Call-ID") && fetch.contains("remote_addr") && fetch.contains("read,Identity"), fetch);
        JsonNode rec = full.record(uniqueId(c));
        assertEquals("3848276298220188511@203.0.113.7", rec.get("sip_call_id").asText(), rec.toString());
        assertEquals("[2001:db8::7]:5061", rec.get("source").asText());
        assertEquals(FROM, rec.get("from").asText());
        assertEquals(List.of(PAI_SIP, PAI_TEL), texts(rec.get("pai")));
        assertEquals(List.of(identity, second), texts(rec.get("identity")));
        assertEquals(2, rec.get("identity_count").asInt());
    }

    @Test
    void identityHeadersOffKeepsTheCountAndTheOtherEvidence() throws Exception {
        String identity = agencyToCitizen();
        Map<String, String> sip = merge(headers("Identity", identity), headers("From", FROM),
                headers("P-Asserted-Identity", PAI_SIP), headers("Call-ID", "off-switch@203.0.113.7"),
                Map.of("${CHANNEL(pjsip,remote_addr)}", "203.0.113.7:5060"));
        AgiClient.Call c = call(noHeaders, AGENCY_TN, CITIZEN, List.of()).withVariables(sip);
        AgiClient.Result r = noHeaders.run(c);
        assertEquals("PASS", r.variables().get("STIR_STATUS"), r.toString());
        JsonNode rec = noHeaders.record(uniqueId(c));
        assertTrue(rec.has("identity") && rec.get("identity").isNull(), "not recorded: " + rec);
        assertFalse(rec.toString().contains(identity.substring(0, identity.indexOf(';'))), "no trace of the header");
        assertEquals(1, rec.get("identity_count").asInt());
        assertEquals("off-switch@203.0.113.7", rec.get("sip_call_id").asText());
        assertEquals("203.0.113.7:5060", rec.get("source").asText());
        assertEquals(FROM, rec.get("from").asText());
        assertEquals(List.of(PAI_SIP), texts(rec.get("pai")));

        // the same call to the server with the default keeps the header
        AgiClient.Call same = call(full, AGENCY_TN, CITIZEN, List.of()).withVariables(sip);
        full.run(same);
        assertEquals(List.of(identity), texts(full.record(uniqueId(same)).get("identity")));
    }

    /** History-Info as a forwarding PBX writes it (RFC 7044), one header per entry, as PJSIP_HEADER returns them. */
    static Map<String, String> historyInfo(String from, String to) {
        return headers("History-Info", "<sip:+" + from + "@pbx.example;user=phone>;index=1",
                "<sip:+" + to + "@mobile.example;user=phone?Reason=SIP%3Bcause%3D302%3Btext%3D%22Moved%22>;index=1.1;mp=1");
    }

    @Test
    void forwardedAgencyCallWithHistoryInfoPassesWithTheOriginalAttestation() throws Exception {
        String div = div(forwarder, FWD_X5U, AGENCY_TN, CITIZEN, MOBILE);
        AgiClient.Call c = forwardedToMobile(div, historyInfo(CITIZEN, MOBILE));
        AgiClient.Result r = full.run(c);

        assertEquals(Scenarios.ordered("STIR_STATUS", "PASS", "STIR_ACTION", "allow", "STIR_ATTEST", "A",
                "STIR_VERSTAT", "TN-Validation-Passed", "STIR_SIP_CODE", "", "STIR_REASON", "verified",
                "STIR_AGENCY", AGENCY, "STIR_CALLER_NAME", AGENCY, "CALLERID(name)", AGENCY), r.variables());
        JsonNode rec = full.record(uniqueId(c));
        JsonNode d = rec.get("div");
        assertTrue(d.get("chained").asBoolean(), rec.toString());
        assertEquals(CITIZEN, d.get("orig_dest").asText());
        assertEquals(CITIZEN, d.get("hops").get(0).get("from").asText());
        assertEquals(List.of(MOBILE), texts(d.get("hops").get(0).get("to")));
        assertEquals("MOB1", d.get("hops").get(0).get("spc").asText());
        assertEquals("History-Info", d.get("sip_header").asText());
        assertEquals("AGC1", rec.get("spc").asText(), "the agency's signer, not the forwarder");
        assertEquals(2, rec.get("identity_count").asInt());
    }

    @Test
    void forwardedAgencyCallWithIdentityArgumentsAndDiversionPasses() throws Exception {
        String shaken = agencyToCitizen();
        String div = div(forwarder, FWD_X5U, AGENCY_TN, CITIZEN, MOBILE);
        // the older dialplan form: the Identity headers as AGI arguments; Diversion read by the server
        AgiClient.Call c = call(full, AGENCY_TN, MOBILE, List.of(shaken, div))
                .withVariables(headers("Diversion", "<tel:+" + CITIZEN + ">;reason=unconditional;counter=1"));
        AgiClient.Result r = full.run(c);
        assertEquals("PASS", r.variables().get("STIR_STATUS"), r.toString());
        assertEquals("A", r.variables().get("STIR_ATTEST"));
        assertEquals("verified", r.variables().get("STIR_REASON"));
        JsonNode d = full.record(uniqueId(c)).get("div");
        assertTrue(d.get("chained").asBoolean(), d.toString());
        assertEquals("Diversion", d.get("sip_header").asText());
    }

    @Test
    void brokenDivChainIsRejectedWithItsReason() throws Exception {
        // the div PASSporT forwards to another number than the one now called: no link reaches MOBILE
        String elsewhere = div(forwarder, FWD_X5U, AGENCY_TN, CITIZEN, ELSEWHERE);
        AgiClient.Call c = forwardedToMobile(elsewhere, historyInfo(CITIZEN, MOBILE));
        AgiClient.Result r = full.run(c);
        assertEquals(Scenarios.ordered("STIR_STATUS", "FAIL", "STIR_ACTION", "reject", "STIR_ATTEST", "",
                "STIR_VERSTAT", "TN-Validation-Failed", "STIR_SIP_CODE", "438", "STIR_REASON", "div_chain_broken",
                "STIR_AGENCY", AGENCY), r.variables());
        JsonNode rec = full.record(uniqueId(c));
        assertEquals("div_chain_broken", rec.get("reason").asText());
        assertFalse(rec.get("div").get("chained").asBoolean(), rec.toString());
    }

    @Test
    void divSignedByAForwarderWithoutAuthorityOverTheDivertingNumberIsRejected() throws Exception {
        String rogue = div(rogueForwarder, ROGUE_FWD_X5U, AGENCY_TN, CITIZEN, MOBILE);
        AgiClient.Call c = forwardedToMobile(rogue, historyInfo(CITIZEN, MOBILE));
        AgiClient.Result r = full.run(c);
        assertEquals("FAIL", r.variables().get("STIR_STATUS"), r.toString());
        assertEquals("reject", r.variables().get("STIR_ACTION"), r.variables().toString());
        assertEquals("div_not_authorized", r.variables().get("STIR_REASON"));
        assertEquals("div_not_authorized", full.record(uniqueId(c)).get("reason").asText());
    }

    @Test
    void divChainThatHistoryInfoDoesNotShowIsRejected() throws Exception {
        String div = div(forwarder, FWD_X5U, AGENCY_TN, CITIZEN, MOBILE);
        AgiClient.Call c = forwardedToMobile(div, historyInfo(ELSEWHERE, MOBILE));
        AgiClient.Result r = full.run(c);
        assertEquals("reject", r.variables().get("STIR_ACTION"), r.toString());
        assertEquals("div_history_mismatch", r.variables().get("STIR_REASON"));
    }

    @Test
    void richCallDataPresentingAnAgencysNameWithoutRightIsNameSpoofed() throws Exception {
        // validly signed by another carrier for its own number, but presenting the agency's name
        String identity = shaken(otherCarrier, OTHER_X5U, STRANGER_TN, CITIZEN, RcdClaims.name(AGENCY));
        AgiClient.Call c = call(full, STRANGER_TN, CITIZEN, List.of(identity));
        AgiClient.Result r = full.run(c);
        assertEquals("FAIL", r.variables().get("STIR_STATUS"), r.toString());
        assertEquals("reject", r.variables().get("STIR_ACTION"));
        assertEquals("name_spoofed", r.variables().get("STIR_REASON"));
        assertEquals("603", r.variables().get("STIR_SIP_CODE"));
        assertEquals(AGENCY, r.variables().get("STIR_AGENCY"));
        assertEquals("TN-Validation-Passed", r.variables().get("STIR_VERSTAT"), "the number itself verified");
        assertFalse(r.variables().containsKey("STIR_RCD_NAME"), "a spoofed name is never handed on: " + r.variables());
        JsonNode rec = full.record(uniqueId(c));
        assertEquals("name_spoofed", rec.get("reason").asText());

        // the agency's own branded call: the verified name is handed to the dialplan
        AgiClient.Call own = call(full, AGENCY_TN, CITIZEN,
                List.of(shaken(agencyCarrier, X5U, AGENCY_TN, CITIZEN, RcdClaims.name(AGENCY))));
        AgiClient.Result ok = full.run(own);
        assertEquals("PASS", ok.variables().get("STIR_STATUS"), ok.toString());
        assertEquals(AGENCY, ok.variables().get("STIR_RCD_NAME"));
    }
}
