package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stirshield.testing.Fixture.CALLED;
import static org.stirshield.testing.Fixture.CALLER;
import static org.stirshield.testing.Fixture.IAT;
import static org.stirshield.testing.Fixture.NOW;
import static org.stirshield.testing.Fixture.X5U;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stirshield.cert.CachedContentSource;
import org.stirshield.cert.CertServer;
import org.stirshield.cert.CertificateSources;
import org.stirshield.cert.FetchSettings;
import org.stirshield.cert.LocalCertificateSource;
import org.stirshield.cert.TestTls;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.RcdClaims;
import org.stirshield.testing.Fixture;

/**
 * Rich Call Data (RCD-01, RFC 9795) with really signed PASSporTs; the content rcdi digests cover is served
 * by a real HTTPS server on loopback and fetched through the production content source (guarded fetcher,
 * cache). RCD never changes the TN verdict: every test also checks that.
 */
class RichCallDataTest {
    private static final Fixture F = new Fixture();
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String NAME = "Ministry of Foreign Affairs";
    static final byte[] ICON = "\u0089PNG\r\n\u001a\nicon-bytes".getBytes(StandardCharsets.ISO_8859_1);
    static final byte[] LOGO = "\u0089PNG\r\n\u001a\nlogo-bytes".getBytes(StandardCharsets.ISO_8859_1);

    static CertServer server;
    static CachedContentSource content;
    static Verifier verifier;
    static String icon;
    static String logo;
    static String jcl;
    static byte[] jcard;

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        TestTls tls = new TestTls();
        server = CertServer.https(tls);
        icon = server.url("localhost", "/icon.png");
        logo = server.url("localhost", "/logo.png");
        jcl = server.url("localhost", "/agency.jcard");
        jcard = ("[\"vcard\",[[\"version\",{},\"text\",\"4.0\"],[\"fn\",{},\"text\",\"" + NAME + "\"],"
                + "[\"logo\",{},\"uri\",\"" + logo + "\"]]]").getBytes(StandardCharsets.UTF_8);
        server.on("/icon.png", CertServer.body(ICON, "Cache-Control", "max-age=600"))
                .on("/logo.png", CertServer.body(LOGO))
                .on("/agency.jcard", CertServer.body(jcard, "Content-Type", "application/jcard+json"))
                .on("/changed.png", CertServer.body("something else".getBytes(StandardCharsets.US_ASCII)))
                .on("/big.png", CertServer.body(new byte[200_000]))
                .on("/missing.png", CertServer.status(404));
        Path ca = tls.writeCa(dir);
        JsonNode certificates = new ObjectMapper(new YAMLFactory()).readTree("""
                permit_cidrs: ["127.0.0.0/8", "::1/128"]
                allowed_ports: [%d]
                tls_ca_file: "%s"
                connect_timeout: 3s
                fetch_timeout: 5s
                """.formatted(server.port(), ca));
        content = CertificateSources.content(FetchSettings.from(certificates), 64 * 1024, 1024 * 1024);
        verifier = Verifier.create(VerifierSettings.defaults(), new LocalCertificateSource(F.served, F.validator(), null),
                content);
    }

    @AfterAll
    static void stop() {
        content.close();
        server.close();
    }

    static String shaken(RcdClaims rcd) {
        return shaken(CALLER, rcd);
    }

    static String shaken(String orig, RcdClaims rcd) {
        return PassportSigner.identityHeader(PassportSigner.shaken(F.leaf.key(), X5U, "A", orig, List.of(CALLED), IAT,
                null, rcd), X5U);
    }

    static String rcdPassport(String orig, String dest, RcdClaims rcd) {
        return PassportSigner.identityHeader(PassportSigner.rcd(F.leaf.key(), X5U, orig, List.of(dest), IAT, rcd), X5U, "rcd");
    }

    static String plainShaken() {
        return shaken(RcdClaims.none());
    }

    static Verdict verify(String... identity) {
        return verifier.verify(CallAttempt.of(CALLER, CALLED, List.of(identity)), NOW);
    }

    static Verdict.RichCallData passed(Verdict v) {
        assertEquals(Verdict.Status.PASS, v.status(), v::toString); // RCD-01: whatever RCD says
        assertTrue(v.rcd() != null, v::toString);
        return v.rcd();
    }

    @Test
    void nameInTheShakenPassportWithoutRcdiIsVerified() {
        Verdict.RichCallData r = passed(verify(shaken(RcdClaims.name(NAME))));
        assertTrue(r.verified(), r::toString);
        assertEquals(NAME, r.name());
        assertEquals(0, r.header());
        assertEquals(List.of(NAME), r.claimedNames());
    }

    @Test
    void callWithoutRcdHasNone() {
        Verdict v = verify(plainShaken());
        assertNull(v.rcd());
        assertNull(v.rcdName());
    }

    @Test
    void iconDigestMatchesTheContentServedOverHttpsAndIsCached() {
        String url = icon + "?cache-test"; // a URL of its own: the other tests do not warm it
        RcdClaims rcd = RcdClaims.name(NAME).withIcon(url).withDigest("/icn", ICON);
        int before = server.count("/icon.png");
        Verdict.RichCallData r = passed(verify(shaken(rcd)));
        assertTrue(r.verified(), r::toString);
        assertEquals(List.of(new Verdict.RcdIntegrity("/icn", url, "match")), r.integrity());
        assertTrue(passed(verify(shaken(rcd))).verified());
        assertEquals(before + 1, server.count("/icon.png")); // Cache-Control max-age: fetched once
    }

    @Test
    void digestOfOtherContentIsAMismatchAndTheNameIsNotShown() {
        RcdClaims rcd = RcdClaims.name(NAME).withIcon(icon).withDigest("/icn", "forged".getBytes(StandardCharsets.US_ASCII));
        Verdict v = verify(shaken(rcd));
        Verdict.RichCallData r = passed(v);
        assertFalse(r.verified());
        assertEquals("rcdi_mismatch", r.problem());
        assertEquals("mismatch", r.integrity().get(0).result());
        assertNull(v.rcdName());
        assertEquals(NAME, r.name()); // still reported, for the analyst and the name policy
    }

    @Test
    void contentThatChangedAfterSigningIsAMismatch() {
        String changed = server.url("localhost", "/changed.png");
        RcdClaims rcd = RcdClaims.name(NAME).withIcon(changed).withDigest("/icn", ICON);
        assertEquals("rcdi_mismatch", passed(verify(shaken(rcd))).problem());
    }

    @Test
    void unreachableOrOversizeContentIsUnavailable() {
        for (String path : List.of("/missing.png", "/big.png")) {
            String url = server.url("localhost", path);
            Verdict.RichCallData r = passed(verify(shaken(RcdClaims.name(NAME).withIcon(url).withDigest("/icn", ICON))));
            assertFalse(r.verified(), path);
            assertEquals("rcdi_unavailable", r.problem(), path);
            assertEquals("unavailable", r.integrity().get(0).result(), path);
        }
    }

    @Test
    void referencedContentWithoutItsDigestIsIncomplete() {
        RcdClaims rcd = RcdClaims.name(NAME).withIcon(icon).withJcd(JSON.createArrayNode().add("vcard").add(JSON.createArrayNode()))
                .withValueDigest("/jcd");
        assertEquals("rcdi_incomplete", passed(verify(shaken(rcd))).problem());
    }

    @Test
    void jclDigestAndALogoInsideTheFetchedJcard() {
        RcdClaims rcd = RcdClaims.name(NAME).withJcl(jcl).withDigest("/jcl", jcard).withDigest("/jcl/1/2/3", LOGO);
        Verdict.RichCallData r = passed(verify(shaken(rcd)));
        assertTrue(r.verified(), r::toString);
        assertEquals(2, r.integrity().size());
        assertEquals(logo, r.integrity().get(1).url());
        RcdClaims wrongLogo = RcdClaims.name(NAME).withJcl(jcl).withDigest("/jcl", jcard).withDigest("/jcl/1/2/3", ICON);
        assertEquals("rcdi_mismatch", passed(verify(shaken(wrongLogo))).problem());
    }

    @Test
    void inlineJcdWholeAndALogoInside() throws Exception {
        JsonNode card = JSON.readTree(jcard);
        RcdClaims rcd = RcdClaims.name(NAME).withJcd(card).withValueDigest("/jcd").withDigest("/jcd/1/2/3", LOGO);
        Verdict.RichCallData r = passed(verify(shaken(rcd)));
        assertTrue(r.verified(), r::toString);
        assertNull(r.integrity().get(0).url()); // the JSON value itself (RFC 8785 canonical form)
        assertEquals(logo, r.integrity().get(1).url());
    }

    @Test
    void pointerToNothingOrOutsideRcdOrBadDigestIsInvalid() {
        assertEquals("rcdi_invalid", passed(verify(shaken(RcdClaims.name(NAME).withIcon(icon).withDigest("/icn", ICON)
                .withDigest("/jcd/9", ICON)))).problem());
        assertEquals("rcdi_unsupported", passed(verify(shaken(RcdClaims.name(NAME).withDigest("/nam", ICON)))).problem());
        String badDigest = PassportSigner.identityHeader(PassportSigner.sign(F.leaf.key(), PassportSigner.shakenHeader(X5U),
                Map.of("attest", "A", "dest", Map.of("tn", List.of(CALLED)), "iat", IAT, "orig", Map.of("tn", CALLER),
                        "origid", "o", "rcd", Map.of("nam", NAME, "icn", icon), "rcdi", Map.of("/icn", "md5-AAAA"))), X5U);
        assertEquals("rcdi_invalid", passed(verify(badDigest)).problem());
    }

    @Test
    void malformedRcdClaimsAreInvalid() {
        for (Map<String, Object> rcd : List.<Map<String, Object>>of(
                Map.of("nam", "Ministry\r\nX-Injected: 1"), // control characters
                Map.of("nam", 42),
                Map.of("nam", NAME, "jcd", List.of("vcard"), "jcl", "https://x.example/c"), // both (RFC 9795)
                Map.of("nam", NAME, "icn", "http://insecure.example/i.png"), // not https
                Map.of("nam", NAME, "jcd", "not an array"))) {
            String h = PassportSigner.identityHeader(PassportSigner.sign(F.leaf.key(), PassportSigner.shakenHeader(X5U),
                    Map.of("attest", "A", "dest", Map.of("tn", List.of(CALLED)), "iat", IAT, "orig", Map.of("tn", CALLER),
                            "origid", "o", "rcd", rcd)), X5U);
            Verdict.RichCallData r = passed(verify(h));
            assertFalse(r.verified(), rcd::toString);
            assertEquals("rcd_invalid", r.problem(), rcd::toString);
        }
    }

    @Test
    void callReasonIsReported() {
        Verdict.RichCallData r = passed(verify(shaken(RcdClaims.name(NAME).withCallReason("Your passport renewal"))));
        assertTrue(r.verified());
        assertEquals("Your passport renewal", r.callReason());
    }

    @Test
    void separateRcdPassportForTheVerifiedCaller() {
        Verdict v = verify(plainShaken(), rcdPassport(CALLER, CALLED, RcdClaims.name(NAME).withIcon(icon).withDigest("/icn", ICON)));
        Verdict.RichCallData r = passed(v);
        assertTrue(r.verified(), r::toString);
        assertEquals(1, r.header());
        assertEquals(NAME, v.rcdName());
        assertEquals("rcd", v.headers().get(1).ppt());
    }

    @Test
    void rcdPassportForAnotherCallerOrCallIsNotUsed() {
        assertEquals("rcd_orig_mismatch", passed(verify(plainShaken(), rcdPassport("12025550000", CALLED,
                RcdClaims.name(NAME)))).problem());
        assertEquals("rcd_dest_mismatch", passed(verify(plainShaken(), rcdPassport(CALLER, "12025550000",
                RcdClaims.name(NAME)))).problem());
    }

    @Test
    void rcdPassportThatDoesNotVerifyIsNotUsed() {
        String good = rcdPassport(CALLER, CALLED, RcdClaims.name(NAME));
        int dot = good.indexOf('.', good.indexOf('.') + 1);
        String bad = good.substring(0, dot + 3) + (good.charAt(dot + 3) == 'A' ? 'B' : 'A') + good.substring(dot + 4);
        Verdict.RichCallData r = passed(verify(plainShaken(), bad));
        assertFalse(r.verified());
        assertEquals("bad_signature", r.problem());
        assertEquals(List.of(NAME), r.claimedNames());
    }

    @Test
    void rcdOnACallThatFailsVerificationIsNeverShownButIsReported() {
        Verdict v = verify(shaken("12025550000", RcdClaims.name(NAME)));
        assertEquals(Verdict.Status.FAIL, v.status());
        assertEquals(Reason.ORIG_MISMATCH, v.reason());
        assertFalse(v.rcd().verified());
        assertEquals("passport_not_verified", v.rcd().problem());
        assertEquals(List.of(NAME), v.rcd().claimedNames());
        assertNull(v.rcdName());
    }

    @Test
    void withoutAContentSourceRcdiCannotBeChecked() {
        Verifier offline = F.verifier();
        Verdict v = offline.verify(CallAttempt.of(CALLER, CALLED, List.of(shaken(RcdClaims.name(NAME).withIcon(icon)
                .withDigest("/icn", ICON)))), NOW);
        assertEquals(Verdict.Status.PASS, v.status());
        assertEquals("rcdi_unavailable", v.rcd().problem());
    }
}
