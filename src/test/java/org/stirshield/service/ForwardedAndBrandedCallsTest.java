package org.stirshield.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cert.CertServer;
import org.stirshield.cert.Deadline;
import org.stirshield.cert.TestTls;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Decision;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.Pem;
import org.stirshield.sign.RcdClaims;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.SipRequest;

/**
 * Forwarded (RFC 8946) and branded (RFC 9795) calls through the service as {@code serve} builds it from a
 * configuration file: verifier, policy ({@code on_forwarded}, {@code names:}), audit record. RCD content is
 * served by a real HTTPS server on loopback and fetched through the configured guarded fetcher.
 */
class ForwardedAndBrandedCallsTest {
    static final String AGENCY_TN = "12025550100";
    static final String STRICT_TN = "12025550177";
    static final String STRANGER_TN = "13105550123";
    static final String CITIZEN = "12155550111";
    static final String MOBILE = "12155550122";
    static final String X5U = "https://cert.agency-carrier.example/sti.pem";
    static final String FWD_X5U = "https://cert.mobile-carrier.example/div.pem";
    static final String OTHER_X5U = "https://cert.other-carrier.example/sti.pem";
    static final byte[] LOGO = "logo-bytes".getBytes(StandardCharsets.US_ASCII);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static CertServer content;
    static StirShieldService service;
    static LeafCertificate agencyCarrier;
    static LeafCertificate forwarder;
    static LeafCertificate otherCarrier;
    static String logoUrl;

    @BeforeAll
    static void start() throws Exception {
        CertificateAuthority root = CertificateAuthority.root("Div/RCD Test STI-CA");
        agencyCarrier = root.issueLeaf(LeafSpec.spc("AGC1"));
        forwarder = root.issueLeaf(LeafSpec.spc("MOB1").withNumbers(CITIZEN));
        otherCarrier = root.issueLeaf(LeafSpec.spc("OTH1"));
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        Files.writeString(dir.resolve("agency.pem"), agencyCarrier.chainPem());
        Files.writeString(dir.resolve("fwd.pem"), forwarder.chainPem());
        Files.writeString(dir.resolve("other.pem"), otherCarrier.chainPem());
        TestTls tls = new TestTls();
        content = CertServer.https(tls).on("/logo.png", CertServer.body(LOGO));
        logoUrl = content.url("localhost", "/logo.png");
        Path ca = tls.writeCa(dir);
        Files.writeString(dir.resolve("policy.yaml"), """
                policies:
                  agency: {verified_name: true}
                  agency-strict: {on_forwarded: reject}
                protected:
                  - {number: "+%s", agency: "Ministry of Examples", policy: agency}
                  - {number: "+%s", agency: "Strict Office", policy: agency-strict}
                names:
                  protected:
                    - {name: "Ministry of Examples", agency: "Ministry of Examples"}
                """.formatted(AGENCY_TN, STRICT_TN));
        Path config = dir.resolve("stirshield.yaml");
        Files.writeString(config, """
                verification: {trust_dir: "%s"}
                certificates:
                  pinned: {"%s": "%s", "%s": "%s", "%s": "%s"}
                  permit_cidrs: ["127.0.0.0/8", "::1/128"]
                  allowed_ports: [%d]
                  tls_ca_file: "%s"
                policy: {file: "%s"}
                audit: {file: "%s"}
                metrics: {enabled: false}
                """.formatted(dir.resolve("trust"), X5U, dir.resolve("agency.pem"), FWD_X5U, dir.resolve("fwd.pem"),
                OTHER_X5U, dir.resolve("other.pem"), content.port(), ca, dir.resolve("policy.yaml"), dir.resolve("audit.jsonl")));
        service = StirShieldService.start(new StirShieldService.Options(config, ConfigValues.readYaml(config), null, null));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        content.close();
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    static String shaken(LeafCertificate signer, String x5u, String orig, String dest, RcdClaims rcd) {
        return PassportSigner.identityHeader(PassportSigner.shaken(signer.privateKey(), x5u, "A", orig, List.of(dest), now(),
                "o-1", rcd), x5u);
    }

    static String divToMobile(String orig) {
        return PassportSigner.identityHeader(PassportSigner.div(forwarder.privateKey(), FWD_X5U, orig, List.of(MOBILE), CITIZEN,
                now(), "o-1"), FWD_X5U, "div");
    }

    static SipRequest forwardedBy(String tn) {
        return new SipRequest("c@x", "203.0.113.7:5060", null, List.of(), List.of(),
                List.of("<tel:+" + tn + ">;reason=unconditional"));
    }

    static Decision screen(String id, String caller, String called, SipRequest sip, String name, String... identity) {
        CallAttempt call = new CallAttempt("+" + caller, "+" + called, List.of(identity), null, "from-carrier", id, "PJSIP/t-" + id,
                name, sip);
        return service.screener().screen(call, Deadline.in(Duration.ofSeconds(3)));
    }

    static JsonNode audit(String id) throws Exception {
        for (int i = 0; i < 200; i++) {
            for (String line : Files.readAllLines(dir.resolve("audit.jsonl"))) {
                JsonNode n = JSON.readTree(line);
                if (id.equals(n.get("unique_id").asText())) {
                    return n;
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no audit record for " + id);
    }

    @Test
    void agencyCallForwardedByTheCitizensPhonePassesWithTheOriginalAttestation() throws Exception {
        Decision d = screen("fwd-1", AGENCY_TN, MOBILE, forwardedBy(CITIZEN), null,
                shaken(agencyCarrier, X5U, AGENCY_TN, CITIZEN, RcdClaims.none()), divToMobile(AGENCY_TN));
        assertEquals("PASS", d.status());
        assertEquals("allow", d.action().token());
        assertEquals("A", d.verdict().attest());
        assertEquals("AGC1", d.verdict().spc());
        JsonNode div = audit("fwd-1").get("div");
        assertTrue(div.get("chained").asBoolean(), div.toString());
        assertEquals(CITIZEN, div.get("hops").get(0).get("from").asText());
        assertEquals("MOB1", div.get("hops").get(0).get("spc").asText());
    }

    @Test
    void forwardedCallFromANumberWhosePolicyRefusesForwards() throws Exception {
        Decision d = screen("fwd-2", STRICT_TN, MOBILE, forwardedBy(CITIZEN), null,
                shaken(agencyCarrier, X5U, STRICT_TN, CITIZEN, RcdClaims.none()), divToMobile(STRICT_TN));
        assertEquals("reject", d.action().token());
        assertEquals("forwarded_not_allowed", d.reason());
        assertEquals("forwarded_not_allowed", audit("fwd-2").get("reason").asText());
    }

    @Test
    void forwardedSpoofWithoutDivPassportFails() throws Exception {
        Decision d = screen("fwd-3", AGENCY_TN, MOBILE, forwardedBy(CITIZEN), null,
                shaken(agencyCarrier, X5U, AGENCY_TN, CITIZEN, RcdClaims.none()));
        assertEquals("reject", d.action().token());
        assertEquals("div_chain_broken", d.reason());
        assertEquals(438, d.sipCode());
    }

    @Test
    void brandedAgencyCallShowsItsVerifiedNameAndLogoDigest() throws Exception {
        RcdClaims rcd = RcdClaims.name("Ministry of Examples").withIcon(logoUrl).withDigest("/icn", LOGO)
                .withCallReason("Passport renewal");
        Decision d = screen("rcd-1", AGENCY_TN, CITIZEN, SipRequest.NONE, null, shaken(agencyCarrier, X5U, AGENCY_TN, CITIZEN, rcd));
        assertEquals("verified", d.reason());
        assertEquals("Ministry of Examples", d.rcdName());
        assertEquals("Passport renewal", d.rcdReason());
        JsonNode r = audit("rcd-1").get("rcd");
        assertTrue(r.get("verified").asBoolean(), r.toString());
        assertEquals("match", r.get("rcdi").get(0).get("result").asText());
        assertTrue(content.count("/logo.png") >= 1);
    }

    @Test
    void validlySignedCallFromAnotherNumberClaimingTheAgencysNameIsASpoof() throws Exception {
        Decision d = screen("rcd-2", STRANGER_TN, CITIZEN, SipRequest.NONE, null,
                shaken(otherCarrier, OTHER_X5U, STRANGER_TN, CITIZEN, RcdClaims.name("Ministry of Examples")));
        assertEquals("PASS", d.verdict().status().name()); // the number itself verified
        assertEquals("reject", d.action().token());
        assertEquals("name_spoofed", d.reason());
        assertEquals("Ministry of Examples", d.match().agency());
        assertNull(d.rcdName());
        assertEquals("name_spoofed", audit("rcd-2").get("reason").asText());
    }

    @Test
    void unsignedCallShowingTheAgencysNameAsCallerNameIsASpoof() {
        Decision d = screen("rcd-3", STRANGER_TN, CITIZEN, SipRequest.NONE, "MINISTRY OF EXAMPLES");
        assertEquals("name_spoofed", d.reason());
        assertEquals("reject", d.action().token());
    }
}
