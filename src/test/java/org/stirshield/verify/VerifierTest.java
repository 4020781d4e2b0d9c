package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stirshield.passport.Es256;
import org.stirshield.testing.Fixture;
import org.stirshield.testing.TestPki;

import static org.stirshield.testing.Fixture.CALLED;
import static org.stirshield.testing.Fixture.CALLER;
import static org.stirshield.testing.Fixture.IAT;
import static org.stirshield.testing.Fixture.NOW;
import static org.stirshield.testing.Fixture.X5U;
import static org.stirshield.testing.Fixture.claims;
import static org.stirshield.testing.Fixture.identity;
import static org.stirshield.testing.Fixture.shakenHeader;

/** End-to-end verification with a generated STI PKI: one test per reason class (requirement ids of docs/requirements.md in names). */
class VerifierTest {
    private static final Fixture F = new Fixture();

    private static Verdict verify(String... headers) {
        return F.verify(headers);
    }

    private static void assertFail(Reason expected, Verdict v) {
        assertEquals(Verdict.Status.FAIL, v.status(), () -> "verdict " + v);
        assertEquals(expected, v.reason(), () -> "verdict " + v);
        assertNull(v.attest());
        assertEquals("TN-Validation-Failed", v.verstat());
    }

    @Test
    void validShakenPassportPasses() {
        String token = F.token();
        Verdict v = verify(identity(token));
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertEquals("A", v.attest());
        assertNull(v.reason());
        assertNull(v.sipCode());
        assertEquals("TN-Validation-Passed", v.verstat());
        assertEquals(X5U, v.x5u());
        assertEquals("1234", v.spc());
        assertEquals("4437c7eb-8f92-4a2e-9b1c-3f5e7a0d1c2b", v.origid());
        assertEquals(IAT, v.iat());
        assertNull(v.tnAuthorized()); // SPC-only TNAuthList (CRT-09)
        assertEquals(org.stirshield.cert.CredentialValidator.fingerprint(F.leaf.cert()), v.certFingerprint());
        assertEquals(CALLER, v.callerTn());
        assertEquals(1, v.headers().size());
        assertTrue(v.headers().get(0).passed());
    }

    @Test
    void passportDigestIsSha256OfSigningInputNotSignature() throws Exception {
        String token = F.token();
        Verdict v = verify(identity(token));
        String input = token.substring(0, token.lastIndexOf('.'));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.US_ASCII))),
                v.passportDigest());
    }

    @Test
    void hdr03ParameterOrderSpacingQuotingAndCase() {
        String t = F.token();
        for (String h : List.of(
                t + ";ppt=\"shaken\";alg=ES256;info=<" + X5U + ">",
                t + " ; INFO = <" + X5U + "> ;Alg=ES256 ; PPT=shaken",
                t + ";info=<" + X5U + ">;ppt=shaken",
                t + ";info=<" + X5U + ">;ppt=shaken;x-vendor=1")) {
            assertEquals(Verdict.Status.PASS, verify(h).status(), h);
        }
    }

    @Test
    void hdr08NoHeaderIsNoIdentity428() {
        Verdict v = verify();
        assertEquals(Verdict.Status.NO_IDENTITY, v.status());
        assertEquals(Reason.MISSING_IDENTITY, v.reason());
        assertEquals(428, v.sipCode());
        assertEquals("No-TN-Validation", v.verstat());
    }

    @Test
    void hdr06UnsupportedPptIgnored() {
        // ppt values StirShield does not know (div and rcd it does: DivChainTest, RichCallDataTest)
        String other = F.token("{\"alg\":\"ES256\",\"ppt\":\"x-other\",\"typ\":\"passport\",\"x5u\":\"" + X5U + "\"}", claims("A", CALLER, CALLED, IAT));
        Verdict v = verify(other + ";info=<" + X5U + ">;ppt=x-other");
        assertEquals(Verdict.Status.NO_IDENTITY, v.status());
        assertEquals(Reason.UNSUPPORTED_PPT_IGNORED, v.headers().get(0).reason());
        // together with a valid shaken header the call passes
        Verdict both = verify(other + ";info=<" + X5U + ">;ppt=x-other", identity(F.token()));
        assertEquals(Verdict.Status.PASS, both.status());
    }

    @Test
    void hdr07AnyPassingHeaderPassesAndEachIsReported() {
        String bad = F.token(shakenHeader(X5U), claims("A", "19995550000", CALLED, IAT));
        Verdict v = verify(identity(bad), identity(F.token()));
        assertEquals(Verdict.Status.PASS, v.status());
        assertEquals(Reason.ORIG_MISMATCH, v.headers().get(0).reason());
        assertTrue(v.headers().get(1).passed());
    }

    @Test
    void hdr07FurthestHeaderDecidesAndMixedCodesGiveNoValidIdentity() {
        String origBad = identity(F.token(shakenHeader(X5U), claims("A", "19995550000", CALLED, IAT)));
        String garbage = "foo;info=<" + X5U + ">";
        Verdict v = verify(garbage, origBad);
        assertFail(Reason.ORIG_MISMATCH, v); // both 438: the furthest one's reason
        String noCert = F.token(shakenHeader("https://nowhere.example/x.pem"), claims("A", CALLER, CALLED, IAT));
        Verdict mixed = verify(noCert + ";info=<https://nowhere.example/x.pem>;ppt=shaken", origBad);
        assertFail(Reason.NO_VALID_IDENTITY, mixed); // 436 and 438 mixed
        assertEquals(438, mixed.sipCode());
        assertEquals(Reason.BAD_INFO, mixed.headers().get(0).reason());
    }

    @Test
    void hdr01InfoMissingOrNotBracketedIsBadInfo() {
        String t = F.token();
        assertFail(Reason.BAD_INFO, verify(t + ";ppt=shaken"));
        assertFail(Reason.BAD_INFO, verify(t + ";info=" + X5U + ";ppt=shaken"));
        assertFail(Reason.BAD_INFO, verify(t + ";info=<not a uri>;ppt=shaken"));
        assertFail(Reason.MALFORMED_IDENTITY, verify("   "));
    }

    @Test
    void hdr02MalformedDigest() {
        assertFail(Reason.MALFORMED_TOKEN, verify("a.b;info=<" + X5U + ">"));
        assertFail(Reason.MALFORMED_TOKEN, verify("a.b.c.d;info=<" + X5U + ">"));
        assertFail(Reason.MALFORMED_TOKEN, verify("a+b.c.d;info=<" + X5U + ">"));
    }

    @Test
    void hdr03RepeatedParameterRejected() {
        assertFail(Reason.MALFORMED_IDENTITY, verify(identity(F.token()) + ";ppt=shaken"));
        assertFail(Reason.MALFORMED_IDENTITY, verify(identity(F.token()) + ";info=<" + X5U + ">"));
    }

    @Test
    void hdr04AlgParameterMustBeEs256() {
        assertFail(Reason.UNSUPPORTED_ALG, verify(F.token() + ";info=<" + X5U + ">;alg=ES384;ppt=shaken"));
    }

    @Test
    void hdr05PptMismatch() {
        String noPpt = F.token("{\"alg\":\"ES256\",\"typ\":\"passport\",\"x5u\":\"" + X5U + "\"}", claims("A", CALLER, CALLED, IAT));
        assertFail(Reason.PPT_MISMATCH, verify(identity(noPpt)));
        assertFail(Reason.PPT_MISMATCH, verify(F.token() + ";info=<" + X5U + ">"));
    }

    @Test
    void hdr09OversizeRejectedBeforeDecoding() {
        String big = "a".repeat(9000) + ".b.c;info=<" + X5U + ">;ppt=shaken";
        assertFail(Reason.OVERSIZE, verify(big));
        // a huge value fails the same way, without decoding
        assertFail(Reason.OVERSIZE, verify("x".repeat(5_000_000)));
    }

    @Test
    void hdr09TooManyHeadersAreNotChecked() {
        String[] many = new String[10];
        java.util.Arrays.fill(many, "garbage;info=<" + X5U + ">");
        many[9] = identity(F.token());
        Verdict v = verify(many);
        assertEquals(Verdict.Status.FAIL, v.status());
        assertEquals(Reason.OVERSIZE, v.headers().get(9).reason());
    }

    @Test
    void hdr10CompactShakenNotAllowed() {
        String t = F.token();
        String compact = ".." + t.substring(t.lastIndexOf('.') + 1);
        assertFail(Reason.COMPACT_FORM_NOT_ALLOWED, verify(compact + ";info=<" + X5U + ">;alg=ES256;ppt=shaken"));
    }

    @Test
    void hdr10CompactBasePassportRebuiltFromSipAndVerified() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.minusSeconds(5).atOffset(ZoneOffset.UTC));
        long iat = NOW.minusSeconds(5).getEpochSecond();
        // RFC 8225 §9: keys sorted, no whitespace
        String full = F.token("{\"alg\":\"ES256\",\"typ\":\"passport\",\"x5u\":\"" + X5U + "\"}",
                "{\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":" + iat + ",\"orig\":{\"tn\":\"" + CALLER + "\"}}");
        String compact = ".." + full.substring(full.lastIndexOf('.') + 1) + ";info=<" + X5U + ">;alg=ES256";
        Verdict v = F.verifier().verify(CallAttempt.of("+1 215 555 0100", "2155550199", List.of(compact)).withDate(date), NOW);
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertNull(v.attest()); // base PASSporT: no attestation
        // the same compact header for another caller fails on the signature
        Verdict other = F.verifier().verify(CallAttempt.of("12155550101", CALLED, List.of(compact)).withDate(date), NOW);
        assertFail(Reason.BAD_SIGNATURE, other);
        // and without Date it cannot be rebuilt
        assertFail(Reason.MISSING_CLAIM, F.verifier().verify(CallAttempt.of(CALLER, CALLED, List.of(compact)), NOW));
    }

    @Test
    void fullFormBasePassportPassesWithoutAttestation() {
        String base = F.token("{\"alg\":\"ES256\",\"typ\":\"passport\",\"x5u\":\"" + X5U + "\"}",
                "{\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":" + IAT + ",\"orig\":{\"tn\":\"" + CALLER + "\"}}");
        Verdict v = verify(base + ";info=<" + X5U + ">");
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertNull(v.attest());
    }

    @Test
    void ppt01NonCanonicalBase64() {
        String t = F.token();
        int d = t.indexOf('.');
        assertFail(Reason.MALFORMED_TOKEN, verify(identity(t.substring(0, d) + "=" + t.substring(d)).replace("=.", "A.")
                .replace(t.substring(0, d) + "A", t.substring(0, d) + "_")));
        // payload with a changed trailing character whose unused bits are non-zero
        String p = TestPki.b64(claims("A", CALLER, CALLED, IAT));
        assertTrue(p.length() % 4 != 0);
        assertFail(Reason.MALFORMED_TOKEN, verify(identity(TestPki.b64(shakenHeader(X5U)) + "." + p.substring(0, p.length() - 1)
                + bumpLow(p.charAt(p.length() - 1)) + "." + t.substring(t.lastIndexOf('.') + 1))));
    }

    private static char bumpLow(char c) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return alphabet.charAt(alphabet.indexOf(c) | 1);
    }

    @Test
    void ppt02BadTyp() {
        assertFail(Reason.BAD_TYP, verify(identity(F.token("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"JWT\",\"x5u\":\"" + X5U + "\"}",
                claims("A", CALLER, CALLED, IAT)))));
    }

    @Test
    void ppt03AlgNeverFromToken() {
        for (String alg : List.of("none", "HS256", "RS256", "PS256", "ES256K", "ES384")) {
            String h = "{\"alg\":\"" + alg + "\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" + X5U + "\"}";
            assertFail(Reason.UNSUPPORTED_ALG, verify(F.token(h, claims("A", CALLER, CALLED, IAT)) + ";info=<" + X5U + ">;ppt=shaken"));
        }
    }

    @Test
    void ppt04X5uMustEqualInfoAndBeHttps() throws Exception {
        String other = "https://cert.example.net/other.pem";
        assertFail(Reason.X5U_INFO_MISMATCH, verify(F.token() + ";info=<" + other + ">;ppt=shaken"));
        String http = "http://cert.example.net/sp.pem";
        F.served.put(http, F.served.get(X5U));
        String viaHttp = F.token(shakenHeader(http), claims("A", CALLER, CALLED, IAT)) + ";info=<" + http + ">;ppt=shaken";
        // The certificate source's URL rules decide (CRT-01), not the verifier: fetched, http is refused ...
        Verifier fetching = Verifier.create(VerifierSettings.defaults(),
                new org.stirshield.cert.ServedAsFetched(org.stirshield.cert.FetchSettings.defaults(), F.served, F.validator()));
        assertFail(Reason.BAD_INFO, fetching.verify(CallAttempt.of(CALLER, CALLED, List.of(viaHttp)), NOW));
        // ... unless certificates.allow_http says otherwise (a lab switch that really works) ...
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        Verifier lab = Verifier.create(VerifierSettings.defaults(), new org.stirshield.cert.ServedAsFetched(
                org.stirshield.cert.FetchSettings.from(yaml.readTree("allow_http: true")), F.served, F.validator()));
        assertEquals(Verdict.Status.PASS, lab.verify(CallAttempt.of(CALLER, CALLED, List.of(viaHttp)), NOW).status());
        // ... and a pinned URL is a local file whatever its scheme: never fetched, no URL rule applies.
        assertEquals(Verdict.Status.PASS, verify(viaHttp).status());
        String noX5u = F.token("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\"}", claims("A", CALLER, CALLED, IAT));
        assertFail(Reason.MISSING_HEADER_PARAM, verify(identity(noX5u)));
    }

    @Test
    void crt01UnknownUrlWithoutFetcherIsBadInfo() {
        String url = "https://unknown.example/c.pem";
        assertFail(Reason.BAD_INFO, verify(F.token(shakenHeader(url), claims("A", CALLER, CALLED, IAT)) + ";info=<" + url + ">;ppt=shaken"));
    }

    @Test
    void ppt05KeyOnlyFromX5uLeaf() {
        TestPki.Issued other = TestPki.leaf(F.ca, new TestPki.LeafSpec());
        String h = "{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\"},\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" + X5U + "\"}";
        assertFail(Reason.BAD_SIGNATURE, verify(identity(TestPki.sign(h, claims("A", CALLER, CALLED, IAT), other.key()))));
    }

    @Test
    void ppt06CritUnsupported() {
        String h = "{\"alg\":\"ES256\",\"crit\":[\"x-ext\"],\"ppt\":\"shaken\",\"typ\":\"passport\",\"x-ext\":1,\"x5u\":\"" + X5U + "\"}";
        assertFail(Reason.CRIT_UNSUPPORTED, verify(identity(F.token(h, claims("A", CALLER, CALLED, IAT)))));
    }

    @Test
    void ppt07IatTypes() {
        String c = "{\"attest\":\"A\",\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":%s,\"orig\":{\"tn\":\"" + CALLER + "\"},\"origid\":\"x\"}";
        assertFail(Reason.INVALID_CLAIM, verify(identity(F.token(shakenHeader(X5U), c.formatted("\"" + IAT + "\"")))));
        assertFail(Reason.INVALID_CLAIM, verify(identity(F.token(shakenHeader(X5U), c.formatted(IAT + ".5")))));
        assertFail(Reason.FUTURE_IAT, verify(identity(F.token(shakenHeader(X5U), c.formatted("99999999999999999999999999")))));
        assertFail(Reason.STALE_IAT, verify(identity(F.token(shakenHeader(X5U), c.formatted("-1")))));
        assertFail(Reason.MISSING_CLAIM, verify(identity(F.token(shakenHeader(X5U),
                "{\"attest\":\"A\",\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"orig\":{\"tn\":\"" + CALLER + "\"},\"origid\":\"x\"}"))));
    }

    @Test
    void ppt08And09ClaimShapes() {
        String base = "{\"attest\":\"A\",\"dest\":%s,\"iat\":" + IAT + ",\"orig\":%s,\"origid\":\"x\"}";
        String goodDest = "{\"tn\":[\"" + CALLED + "\"]}";
        String goodOrig = "{\"tn\":\"" + CALLER + "\"}";
        // libstirshaken style: orig/dest as JSON strings
        assertFail(Reason.INVALID_CLAIM, verify(identity(F.token(shakenHeader(X5U), base.formatted(goodDest, "\"{\\\"tn\\\":\\\"" + CALLER + "\\\"}\"")))));
        assertFail(Reason.MISSING_CLAIM, verify(identity(F.token(shakenHeader(X5U), base.formatted(goodDest, "{\"uri\":\"sip:a@b\"}")))));
        assertFail(Reason.INVALID_CLAIM, verify(identity(F.token(shakenHeader(X5U), base.formatted("{\"tn\":\"" + CALLED + "\"}", goodOrig)))));
        assertFail(Reason.INVALID_CLAIM, verify(identity(F.token(shakenHeader(X5U), base.formatted("{\"tn\":[]}", goodOrig)))));
        assertFail(Reason.MISSING_CLAIM, verify(identity(F.token(shakenHeader(X5U),
                "{\"attest\":\"A\",\"iat\":" + IAT + ",\"orig\":" + goodOrig + ",\"origid\":\"x\"}"))));
    }

    @Test
    void ppt10ClaimTnsMustBeCanonicalAscii() {
        assertFail(Reason.INVALID_CLAIM, verify(identity(F.token(shakenHeader(X5U), claims("A", "+" + CALLER, CALLED, IAT)))));
        assertFail(Reason.INVALID_CLAIM, verify(identity(F.token(shakenHeader(X5U), claims("A", "1215555\uFF10100", CALLED, IAT)))));
        assertFail(Reason.INVALID_CLAIM, verify(identity(F.token(shakenHeader(X5U), claims("A", CALLER, "1-215-555-0199", IAT)))));
    }

    @Test
    void ppt11DuplicateMemberRejected() {
        String dupClaims = "{\"attest\":\"A\",\"attest\":\"C\",\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":" + IAT
                + ",\"orig\":{\"tn\":\"" + CALLER + "\"},\"origid\":\"x\"}";
        assertFail(Reason.DUPLICATE_MEMBER, verify(identity(F.token(shakenHeader(X5U), dupClaims))));
        String nested = "{\"attest\":\"A\",\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":" + IAT
                + ",\"orig\":{\"tn\":\"" + CALLER + "\",\"tn\":\"19995550000\"},\"origid\":\"x\"}";
        assertFail(Reason.DUPLICATE_MEMBER, verify(identity(F.token(shakenHeader(X5U), nested))));
        String dupHeader = "{\"alg\":\"ES256\",\"alg\":\"none\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" + X5U + "\"}";
        assertFail(Reason.DUPLICATE_MEMBER, verify(identity(F.token(dupHeader, claims("A", CALLER, CALLED, IAT)))));
    }

    @Test
    void ppt12UnknownClaimsIgnored() {
        String c = "{\"attest\":\"B\",\"crn\":\"x\",\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":" + IAT
                + ",\"orig\":{\"tn\":\"" + CALLER + "\"},\"origid\":\"x\",\"rcd\":{\"nam\":\"Bank\"},\"x-vendor\":[1,2]}";
        Verdict v = verify(identity(F.token(shakenHeader(X5U), c)));
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertEquals("B", v.attest());
    }

    @Test
    void ppt13DepthLimitTrailingGarbageNonObject() {
        String deep = "[".repeat(40) + "]".repeat(40);
        String c = "{\"attest\":\"A\",\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":" + IAT + ",\"orig\":{\"tn\":\"" + CALLER
                + "\"},\"origid\":\"x\",\"x\":" + deep + "}";
        assertFail(Reason.MALFORMED_JSON, verify(identity(F.token(shakenHeader(X5U), c))));
        assertFail(Reason.MALFORMED_JSON, verify(identity(F.token(shakenHeader(X5U), claims("A", CALLER, CALLED, IAT) + "{}"))));
        assertFail(Reason.MALFORMED_JSON, verify(identity(F.token(shakenHeader(X5U), "[1]"))));
        assertFail(Reason.MALFORMED_JSON, verify(identity(F.token(shakenHeader(X5U), "{'a':1}"))));
        // a deep but allowed nesting passes
        String ok = "{\"attest\":\"A\",\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":" + IAT + ",\"orig\":{\"tn\":\"" + CALLER
                + "\"},\"origid\":\"x\",\"x\":" + "[".repeat(20) + "]".repeat(20) + "}";
        assertEquals(Verdict.Status.PASS, verify(identity(F.token(shakenHeader(X5U), ok))).status());
    }

    @Test
    void ppt13InvalidUtf8() {
        byte[] bad = ("{\"attest\":\"A\",\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":" + IAT + ",\"orig\":{\"tn\":\"" + CALLER
                + "\"},\"origid\":\"\u00e9\"}").getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 3] = (byte) 0xC3; // é = C3 A9 → C3 C3: invalid
        String input = TestPki.b64(shakenHeader(X5U)) + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(bad);
        String token = input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(TestPki.es256(input, F.leaf.key()));
        assertFail(Reason.MALFORMED_JSON, verify(identity(token)));
    }

    @Test
    void ppt14SignatureShapeAndRange() {
        String t = F.token();
        String input = t.substring(0, t.lastIndexOf('.'));
        byte[] sig = Base64.getUrlDecoder().decode(t.substring(t.lastIndexOf('.') + 1));
        Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
        assertFail(Reason.BAD_SIGNATURE, verify(identity(input + "." + e.encodeToString(java.util.Arrays.copyOf(sig, 63)))));
        assertFail(Reason.BAD_SIGNATURE, verify(identity(input + "." + e.encodeToString(new byte[64]))));
        byte[] n = new byte[64];
        byte[] nb = Es256.P256_N.toByteArray();
        System.arraycopy(nb, nb.length - 32, n, 0, 32);
        System.arraycopy(nb, nb.length - 32, n, 32, 32);
        assertFail(Reason.BAD_SIGNATURE, verify(identity(input + "." + e.encodeToString(n))));
        // DER-encoded signature (70-72 bytes) is refused
        byte[] der = derOf(sig);
        assertFail(Reason.BAD_SIGNATURE, verify(identity(input + "." + e.encodeToString(der))));
        // tampered payload
        String other = TestPki.b64(claims("A", CALLER, CALLED, IAT + 1));
        assertFail(Reason.BAD_SIGNATURE, verify(identity(input.substring(0, input.indexOf('.') + 1) + other + "." + e.encodeToString(sig))));
    }

    private static byte[] derOf(byte[] rs) {
        try {
            return new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                new org.bouncycastle.asn1.ASN1Integer(new BigInteger(1, java.util.Arrays.copyOf(rs, 32))),
                new org.bouncycastle.asn1.ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(rs, 32, 64)))}).getEncoded();
        } catch (java.io.IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void ppt15HighSAccepted() {
        String t = F.token();
        String input = t.substring(0, t.lastIndexOf('.'));
        byte[] sig = Base64.getUrlDecoder().decode(t.substring(t.lastIndexOf('.') + 1));
        BigInteger s = new BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
        BigInteger flipped = Es256.P256_N.subtract(s);
        byte[] fb = flipped.toByteArray();
        byte[] out = java.util.Arrays.copyOf(sig, 64);
        java.util.Arrays.fill(out, 32, 64, (byte) 0);
        int len = Math.min(32, fb.length);
        System.arraycopy(fb, fb.length - len, out, 64 - len, len);
        Verdict v = verify(identity(input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(out)));
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        // same digest either way: replay detection does not depend on the signature (PPT-15)
        assertEquals(verify(identity(t)).passportDigest(), v.passportDigest());
    }

    @Test
    void ppt16ReceivedBytesNotReserialized() {
        // whitespace and key order differ from any canonical form: still verifies as received
        String c = "{ \"orig\" : {\"tn\":\"" + CALLER + "\"}, \"iat\":" + IAT + ", \"dest\":{\"tn\":[\"" + CALLED
                + "\"]}, \"attest\":\"A\", \"origid\":\"x\" }";
        assertEquals(Verdict.Status.PASS, verify(identity(F.token(shakenHeader(X5U), c))).status());
    }

    @Test
    void ppt17LeafMustBeP256() {
        for (String type : List.of("P-384", "RSA")) {
            TestPki.LeafSpec spec = new TestPki.LeafSpec();
            spec.keyType = type;
            Fixture f = new Fixture(spec);
            // the key check fails before any signature is looked at (processing order step 4, docs/requirements.md)
            Verdict v = f.verify(identity(TestPki.sign(shakenHeader(X5U), claims("A", CALLER, CALLED, IAT),
                    TestPki.keyPair("P-256").getPrivate())));
            assertFail(Reason.UNSUPPORTED_ALG, v);
        }
    }

    @Test
    void shk02AttestValues() {
        for (String a : List.of("a", "D", "")) {
            assertFail(Reason.INVALID_CLAIM, verify(identity(F.token(shakenHeader(X5U), claims(a, CALLER, CALLED, IAT)))));
        }
        assertFail(Reason.MISSING_CLAIM, verify(identity(F.token(shakenHeader(X5U),
                "{\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":" + IAT + ",\"orig\":{\"tn\":\"" + CALLER + "\"},\"origid\":\"x\"}"))));
        for (String a : List.of("A", "B", "C")) {
            Verdict v = verify(identity(F.token(shakenHeader(X5U), claims(a, CALLER, CALLED, IAT))));
            assertEquals(a, v.attest());
        }
    }

    @Test
    void shk03OrigidRequired() {
        assertFail(Reason.MISSING_CLAIM, verify(identity(F.token(shakenHeader(X5U),
                "{\"attest\":\"A\",\"dest\":{\"tn\":[\"" + CALLED + "\"]},\"iat\":" + IAT + ",\"orig\":{\"tn\":\"" + CALLER + "\"}}"))));
    }

    @Test
    void shk06OrigMismatchAndCanonicalCallerForms() {
        assertFail(Reason.ORIG_MISMATCH, verify(identity(F.token(shakenHeader(X5U), claims("A", "12155550101", CALLED, IAT)))));
        String t = F.token();
        for (String caller : List.of("+1 (215) 555-0100", "tel:+1-215-555-0100", "sip:+12155550100@example.net;user=phone", "(215) 555-0100")) {
            assertEquals(Verdict.Status.PASS, F.verifier().verify(CallAttempt.of(caller, CALLED, List.of(identity(t))), NOW).status(), caller);
        }
        // TN-04: no partial, no Unicode digit folding
        for (String caller : List.of("5550100", "121555501000", "+1215555\uFF10100")) {
            assertFail(Reason.ORIG_MISMATCH, F.verifier().verify(CallAttempt.of(caller, CALLED, List.of(identity(t))), NOW));
        }
    }

    @Test
    void shk07DestMustBeElement() {
        String c = "{\"attest\":\"A\",\"dest\":{\"tn\":[\"12155550111\",\"" + CALLED + "\"]},\"iat\":" + IAT
                + ",\"orig\":{\"tn\":\"" + CALLER + "\"},\"origid\":\"x\"}";
        assertEquals(Verdict.Status.PASS, verify(identity(F.token(shakenHeader(X5U), c))).status());
        assertFail(Reason.DEST_MISMATCH, verify(identity(F.token(shakenHeader(X5U), claims("A", CALLER, "12155550111", IAT)))));
    }

    @Test
    void tim01FreshnessBoundaryInclusive() {
        String t60 = F.token(shakenHeader(X5U), claims("A", CALLER, CALLED, IAT - 60));
        String t61 = F.token(shakenHeader(X5U), claims("A", CALLER, CALLED, IAT - 61));
        String f60 = F.token(shakenHeader(X5U), claims("A", CALLER, CALLED, IAT + 60));
        String f61 = F.token(shakenHeader(X5U), claims("A", CALLER, CALLED, IAT + 61));
        assertEquals(Verdict.Status.PASS, verify(identity(t60)).status());
        assertFail(Reason.STALE_IAT, verify(identity(t61)));
        assertEquals(403, verify(identity(t61)).sipCode());
        assertEquals(Verdict.Status.PASS, verify(identity(f60)).status());
        assertFail(Reason.FUTURE_IAT, verify(identity(f61)));
        // separately configurable future skew
        VerifierSettings tight = new VerifierSettings("US", java.nio.file.Path.of("none"), List.of(), Duration.ofSeconds(60),
                Duration.ofSeconds(5), 8192, 8, 15, org.stirshield.cert.RevocationMode.IF_AVAILABLE);
        String f6 = F.token(shakenHeader(X5U), claims("A", CALLER, CALLED, IAT + 6));
        assertFail(Reason.FUTURE_IAT, F.verifier(tight).verify(CallAttempt.of(CALLER, CALLED, List.of(identity(f6))), NOW));
    }

    @Test
    void tim02DateHeaderChecked() {
        String stale = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.minusSeconds(120).atOffset(ZoneOffset.UTC));
        Verdict v = F.verifier().verify(CallAttempt.of(CALLER, CALLED, List.of(identity(F.token()))).withDate(stale), NOW);
        assertFail(Reason.STALE_IAT, v);
    }

    @Test
    void crt09TnAuthListScope() {
        TestPki.LeafSpec spec = new TestPki.LeafSpec();
        spec.spc = null;
        spec.range("12155550100", 100);
        Fixture f = new Fixture(spec);
        Verdict ok = f.verify(identity(f.token()));
        assertEquals(Verdict.Status.PASS, ok.status(), ok::toString);
        assertEquals(Boolean.TRUE, ok.tnAuthorized());
        TestPki.LeafSpec other = new TestPki.LeafSpec();
        other.number("12155550999");
        Fixture g = new Fixture(other);
        Verdict v = g.verify(identity(g.token()));
        assertFail(Reason.TN_NOT_AUTHORIZED, v);
        assertEquals(Boolean.FALSE, v.tnAuthorized());
        assertEquals(438, v.sipCode());
    }

    @Test
    void crtFailuresMapToReasons() throws Exception {
        TestPki.LeafSpec expired = new TestPki.LeafSpec();
        expired.notAfter = NOW.minusSeconds(3600);
        assertFail(Reason.CERT_EXPIRED, fixtureVerify(expired));
        TestPki.LeafSpec future = new TestPki.LeafSpec();
        future.notBefore = NOW.plusSeconds(3600);
        assertFail(Reason.CERT_NOT_YET_VALID, fixtureVerify(future));
        TestPki.LeafSpec ku = new TestPki.LeafSpec();
        ku.keyUsage = org.bouncycastle.asn1.x509.KeyUsage.keyEncipherment;
        assertFail(Reason.BAD_KEY_USAGE, fixtureVerify(ku));
        TestPki.LeafSpec none = new TestPki.LeafSpec();
        none.noTnAuthList = true;
        assertFail(Reason.TNAUTHLIST_MISSING, fixtureVerify(none));
        TestPki.LeafSpec bad = new TestPki.LeafSpec();
        bad.rawTnAuthList = new org.bouncycastle.asn1.DERIA5String("https://ca.example/TNAuthList").getEncoded();
        assertFail(Reason.TNAUTHLIST_MALFORMED, fixtureVerify(bad));
        // untrusted: a chain under another root
        Fixture f = new Fixture();
        TestPki.Issued stranger = TestPki.root("Stranger", NOW.minusSeconds(86400), NOW.plusSeconds(86400 * 365));
        TestPki.Issued sl = TestPki.leaf(stranger, new TestPki.LeafSpec());
        f.serve(X5U, sl, stranger);
        assertFail(Reason.UNTRUSTED_CHAIN, f.verify(identity(TestPki.sign(shakenHeader(X5U), claims("A", CALLER, CALLED, IAT), sl.key()))));
        assertEquals(437, f.verify(identity(TestPki.sign(shakenHeader(X5U), claims("A", CALLER, CALLED, IAT), sl.key()))).sipCode());
        // unparseable body
        f.served.put(X5U, "<html>not a cert</html>".getBytes(StandardCharsets.US_ASCII));
        assertFail(Reason.UNPARSEABLE_CREDENTIAL, f.verify(identity(f.token())));
    }

    private static Verdict fixtureVerify(TestPki.LeafSpec spec) {
        Fixture f = new Fixture(spec);
        return f.verify(identity(f.token()));
    }

    @Test
    void credentialFailureMapping() {
        assertEquals(Reason.X5U_TIMEOUT, Verifier.reasonOf(org.stirshield.cert.CredentialFailure.TIMEOUT));
        assertEquals(Reason.X5U_UNREACHABLE, Verifier.reasonOf(org.stirshield.cert.CredentialFailure.UNREACHABLE));
        for (var f : List.of(org.stirshield.cert.CredentialFailure.BAD_URL, org.stirshield.cert.CredentialFailure.ADDRESS_REFUSED,
                org.stirshield.cert.CredentialFailure.HTTP_STATUS, org.stirshield.cert.CredentialFailure.TOO_LARGE)) {
            assertEquals(Reason.BAD_INFO, Verifier.reasonOf(f));
        }
        for (var f : org.stirshield.cert.CredentialFailure.values()) {
            assertFalse(Verifier.reasonOf(f).sipCode() == 403 || Verifier.reasonOf(f).sipCode() == 428, f::name);
        }
    }

    @Test
    void timeoutFromSourceIsX5uTimeout() {
        Verifier v = Verifier.create(VerifierSettings.defaults(), (x5u, at, deadline) -> {
            throw new org.stirshield.cert.CredentialException(org.stirshield.cert.CredentialFailure.TIMEOUT, "deadline");
        });
        Verdict r = v.verify(CallAttempt.of(CALLER, CALLED, List.of(identity(F.token()))), NOW);
        assertFail(Reason.X5U_TIMEOUT, r);
        assertTrue(r.reason().infrastructure());
    }

    @Test
    void threadSafeUnderConcurrentCalls() throws Exception {
        Verifier verifier = F.verifier();
        String good = identity(F.token());
        String bad = identity(F.token(shakenHeader(X5U), claims("A", "19995550000", CALLED, IAT)));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                boolean ok = i % 2 == 0;
                results.add(pool.submit(() -> {
                    Verdict v = verifier.verify(CallAttempt.of(CALLER, CALLED, List.of(ok ? good : bad)), NOW);
                    return ok ? v.status() == Verdict.Status.PASS : v.reason() == Reason.ORIG_MISMATCH;
                }));
            }
            for (var f : results) {
                assertTrue(f.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deadlineIsPassedToTheCertificateSource() {
        org.stirshield.cert.Deadline d = org.stirshield.cert.Deadline.in(Duration.ofMillis(1500));
        java.util.concurrent.atomic.AtomicReference<org.stirshield.cert.Deadline> seen = new java.util.concurrent.atomic.AtomicReference<>();
        Verifier v = Verifier.create(VerifierSettings.defaults(), (x5u, at, deadline) -> {
            seen.set(deadline);
            throw new org.stirshield.cert.CredentialException(org.stirshield.cert.CredentialFailure.UNREACHABLE, "down");
        });
        assertFail(Reason.X5U_UNREACHABLE, v.verify(CallAttempt.of(CALLER, CALLED, List.of(identity(F.token()))), NOW, d));
        assertTrue(seen.get() == d);
    }
}
