package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stirshield.testing.Fixture.CALLER;
import static org.stirshield.testing.Fixture.IAT;
import static org.stirshield.testing.Fixture.NOW;
import static org.stirshield.testing.Fixture.X5U;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stirshield.sign.PassportSigner;
import org.stirshield.testing.Fixture;
import org.stirshield.testing.TestPki;

/**
 * Forwarded calls (DIV-01, RFC 8946): a SHAKEN PASSporT for the original called number, div PASSporTs
 * really signed by the forwarding carriers (certificates whose TNAuthList holds the diverting numbers),
 * and the History-Info / Diversion headers the dialplan passes. One test per rule and per failure.
 */
class DivChainTest {
    /** The number the agency called (the SHAKEN PASSporT's dest). */
    static final String A = "12155550111";
    /** Where A forwarded the call. */
    static final String B = "12155550122";
    /** Where B forwarded it again. */
    static final String C = "12155550133";
    static final String ORIGID = "4437c7eb-8f92-4a2e-9b1c-3f5e7a0d1c2b";
    static final String FWD_A = "https://cert.forwarder-a.example/div.pem";
    static final String FWD_B = "https://cert.forwarder-b.example/div.pem";
    static final String FWD_OTHER = "https://cert.forwarder-x.example/div.pem";
    static final String FWD_UNTRUSTED = "https://cert.rogue.example/div.pem";

    private static final Fixture F = new Fixture();
    /** The carrier serving A: its certificate covers A (RFC 8226 TNAuthList one). */
    private static final TestPki.Issued CARRIER_A = TestPki.leaf(F.ca, new TestPki.LeafSpec().spc("FWDA").number(A));
    private static final TestPki.Issued CARRIER_B = TestPki.leaf(F.ca, new TestPki.LeafSpec().spc("FWDB").number(B));
    /** A carrier whose certificate covers some other number. */
    private static final TestPki.Issued CARRIER_X = TestPki.leaf(F.ca, new TestPki.LeafSpec().spc("FWDX").number("12155550999"));
    private static final TestPki.Issued ROGUE_ROOT = TestPki.root("Rogue", Instant.parse("2020-01-01T00:00:00Z"),
            Instant.parse("2045-01-01T00:00:00Z"));
    private static final TestPki.Issued ROGUE = TestPki.leaf(ROGUE_ROOT, new TestPki.LeafSpec().spc("ROGUE").number(A));

    static {
        F.serve(FWD_A, CARRIER_A, F.ca);
        F.serve(FWD_B, CARRIER_B, F.ca);
        F.serve(FWD_OTHER, CARRIER_X, F.ca);
        F.serve(FWD_UNTRUSTED, ROGUE);
    }

    /** The agency's SHAKEN PASSporT, for the number it dialled. */
    static String shaken(String dest) {
        return PassportSigner.identityHeader(PassportSigner.shaken(F.leaf.key(), X5U, "A", CALLER, List.of(dest), IAT,
                ORIGID), X5U);
    }

    static String div(TestPki.Issued signer, String x5u, String orig, String from, String to, long iat) {
        return PassportSigner.identityHeader(PassportSigner.div(signer.key(), x5u, orig, List.of(to), from, iat, ORIGID),
                x5u, "div");
    }

    static String divAtoB() {
        return div(CARRIER_A, FWD_A, CALLER, A, B, IAT);
    }

    static SipRequest history(String... tns) {
        List<String> hi = new java.util.ArrayList<>();
        for (int i = 0; i < tns.length; i++) {
            String index = "1" + ".1".repeat(i);
            String mp = i == 0 ? "" : ";mp=" + "1" + ".1".repeat(i - 1);
            hi.add("<sip:+" + tns[i] + "@pbx.example;user=phone?Reason=SIP%3Bcause%3D302>;index=" + index + mp);
        }
        return new SipRequest(null, null, null, List.of(), List.of(String.join(", ", hi)), List.of());
    }

    static SipRequest diversion(String... newestFirst) {
        List<String> d = new java.util.ArrayList<>();
        for (String tn : newestFirst) {
            d.add("<tel:+" + tn + ">;reason=unconditional;counter=1");
        }
        return new SipRequest(null, null, null, List.of(), List.of(), d);
    }

    static Verdict verify(String called, SipRequest sip, String... identity) {
        return verify(F.verifier(), called, sip, identity);
    }

    static Verdict verify(Verifier v, String called, SipRequest sip, String... identity) {
        return v.verify(CallAttempt.of(CALLER, called, List.of(identity)).withSip(sip), NOW);
    }

    private static void assertFail(Reason r, Verdict v) {
        assertEquals(Verdict.Status.FAIL, v.status(), v::toString);
        assertEquals(r, v.reason(), v::toString);
        assertNull(v.attest());
    }

    @Test
    void forwardedOnceWithHistoryInfoPassesWithTheOriginalAttestation() {
        Verdict v = verify(B, history(A, B), shaken(A), divAtoB());
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertEquals("A", v.attest());
        assertEquals("1234", v.spc()); // the agency's signer, not the forwarder
        assertEquals(B, v.calledTn());
        assertTrue(v.forwarded());
        Verdict.Diversion d = v.diversion();
        assertTrue(d.chained());
        assertEquals(A, d.originalDest());
        assertEquals(1, d.hops().size());
        Verdict.DivHop hop = d.hops().get(0);
        assertEquals(1, hop.index());
        assertEquals(A, hop.from());
        assertEquals(List.of(B), hop.to());
        assertEquals(FWD_A, hop.x5u());
        assertEquals("FWDA", hop.spc());
        assertEquals(Boolean.TRUE, hop.tnAuthorized());
        assertNull(hop.reason());
        assertEquals(List.of(A), d.sipDiverting());
        assertEquals("History-Info", d.sipHeader());
        assertNull(v.headers().get(1).reason());
        assertEquals("div", v.headers().get(1).ppt());
    }

    @Test
    void forwardedTwiceThroughTwoCarriersPasses() {
        Verdict v = verify(C, history(A, B, C), shaken(A), div(CARRIER_B, FWD_B, CALLER, B, C, IAT), divAtoB());
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        List<Verdict.DivHop> hops = v.diversion().hops();
        assertEquals(List.of(A, B), hops.stream().map(Verdict.DivHop::from).toList()); // chain order, not header order
        assertEquals(List.of(A, B), v.diversion().sipDiverting());
    }

    @Test
    void diversionHeaderInsteadOfHistoryInfo() {
        Verdict v = verify(C, diversion(B, A), shaken(A), divAtoB(), div(CARRIER_B, FWD_B, CALLER, B, C, IAT));
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertEquals("Diversion", v.diversion().sipHeader());
        assertEquals(List.of(A, B), v.diversion().sipDiverting()); // RFC 5806: newest first in SIP
    }

    @Test
    void chainedCallHasItsOwnReplayKeyAndKeepsTheShakenDigest() {
        String s = shaken(A);
        Verdict direct = verify(A, SipRequest.NONE, s);
        Verdict forwarded = verify(B, history(A, B), s, divAtoB());
        assertEquals(Verdict.Status.PASS, direct.status());
        assertEquals(Verdict.Status.PASS, forwarded.status());
        assertNotEquals(direct.passportDigest(), forwarded.passportDigest());
        assertEquals(direct.passportDigest(), forwarded.diversion().shakenDigest());
    }

    @Test
    void forwardedWithoutDivPassportIsABrokenChain() {
        Verdict v = verify(B, history(A, B), shaken(A));
        assertFail(Reason.DIV_CHAIN_BROKEN, v);
        assertEquals(438, v.sipCode());
        assertTrue(v.forwarded()); // SIP shows it
        assertFalse(v.diversion().chained());
    }

    @Test
    void notForwardedAndWrongDestIsStillDestMismatch() {
        assertFail(Reason.DEST_MISMATCH, verify(B, SipRequest.NONE, shaken(A)));
    }

    @Test
    void divFromANumberTheShakenPassportDidNotCallBreaksTheChain() {
        String wrong = div(CARRIER_X, FWD_OTHER, CALLER, "12155550999", B, IAT);
        Verdict v = verify(B, history(A, B), shaken(A), wrong);
        assertFail(Reason.DIV_CHAIN_BROKEN, v);
        assertEquals(1, v.diversion().hops().size()); // what was received is reported
    }

    @Test
    void divToAnotherNumberThanTheOneCalledNowBreaksTheChain() {
        assertFail(Reason.DIV_CHAIN_BROKEN, verify(C, history(A, C), shaken(A), divAtoB()));
    }

    @Test
    void missingMiddleLinkBreaksTheChain() {
        assertFail(Reason.DIV_CHAIN_BROKEN, verify(C, history(A, B, C), shaken(A),
                div(CARRIER_B, FWD_B, CALLER, B, C, IAT)));
    }

    @Test
    void divForAnotherCallerIsOrigMismatch() {
        Verdict v = verify(B, history(A, B), shaken(A), div(CARRIER_A, FWD_A, "12025550000", A, B, IAT));
        assertFail(Reason.DIV_ORIG_MISMATCH, v);
        assertEquals(438, v.sipCode());
    }

    @Test
    void forwarderWithoutAuthorityOverTheDivertingNumberIsNotAuthorized() {
        Verdict v = verify(B, history(A, B), shaken(A), div(CARRIER_X, FWD_OTHER, CALLER, A, B, IAT));
        assertFail(Reason.DIV_NOT_AUTHORIZED, v);
        assertEquals(438, v.sipCode());
        assertEquals(Boolean.FALSE, v.diversion().hops().get(0).tnAuthorized());
        assertEquals(Reason.DIV_NOT_AUTHORIZED, v.headers().get(1).reason());
    }

    @Test
    void spcOnlyForwarderCertificateIsAcceptedAsForShaken() {
        // CRT-09 applied to div: an SPC-only certificate asserts no TN, so its authority is not checked
        Verdict v = verify(B, history(A, B), shaken(A), div(F.leaf, X5U, CALLER, A, B, IAT));
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertNull(v.diversion().hops().get(0).tnAuthorized());
    }

    @Test
    void tamperedDivSignatureFails() {
        String good = divAtoB();
        int dot = good.indexOf('.', good.indexOf('.') + 1);
        char c = good.charAt(dot + 5);
        String bad = good.substring(0, dot + 5) + (c == 'A' ? 'B' : 'A') + good.substring(dot + 6);
        assertFail(Reason.BAD_SIGNATURE, verify(B, history(A, B), shaken(A), bad));
    }

    @Test
    void staleDivPassportFails403() {
        Verdict v = verify(B, history(A, B), shaken(A), div(CARRIER_A, FWD_A, CALLER, A, B, IAT - 3600));
        assertFail(Reason.STALE_IAT, v);
        assertEquals(403, v.sipCode());
    }

    @Test
    void divSignedUnderAnUntrustedRootFails437() {
        Verdict v = verify(B, history(A, B), shaken(A), div(ROGUE, FWD_UNTRUSTED, CALLER, A, B, IAT));
        assertFail(Reason.UNTRUSTED_CHAIN, v);
        assertEquals(437, v.sipCode());
    }

    @Test
    void divWithoutDivClaimCannotLink() {
        // signed with an SPC-only certificate, so the claims are reached (a TN-bearing one fails its scope
        // first: the number it would have to cover is missing)
        String noDiv = PassportSigner.identityHeader(PassportSigner.sign(F.leaf.key(), PassportSigner.header(X5U, "div"),
                java.util.Map.of("dest", java.util.Map.of("tn", List.of(B)), "iat", IAT, "orig", java.util.Map.of("tn", CALLER))),
                X5U, "div");
        Verdict v = verify(B, history(A, B), shaken(A), noDiv);
        assertFail(Reason.DIV_CHAIN_BROKEN, v);
        assertEquals(Reason.MISSING_CLAIM, v.headers().get(1).reason());
    }

    @Test
    void historyInfoThatDisagreesWithTheChainFails() {
        Verdict v = verify(B, history("12155550777", B), shaken(A), divAtoB());
        assertFail(Reason.DIV_HISTORY_MISMATCH, v);
        assertTrue(v.diversion().hops().get(0).reason() == null); // the div itself verified
    }

    @Test
    void historyInfoInTheWrongOrderFails() {
        Verdict v = verify(C, history(B, A, C), shaken(A), divAtoB(), div(CARRIER_B, FWD_B, CALLER, B, C, IAT));
        assertFail(Reason.DIV_HISTORY_MISMATCH, v);
    }

    @Test
    void noDiversionHeadersFailsUnlessConfiguredOtherwise() {
        assertFail(Reason.DIV_HISTORY_MISSING, verify(B, SipRequest.NONE, shaken(A), divAtoB()));
        Verifier lenient = F.verifier(VerifierSettings.defaults().withRequireDiversionHeaders(false));
        assertEquals(Verdict.Status.PASS, verify(lenient, B, SipRequest.NONE, shaken(A), divAtoB()).status());
    }

    @Test
    void divOnlyWithoutTheOriginalPassportVerifiesNoCaller() {
        Verdict v = verify(B, history(A, B), divAtoB());
        assertEquals(Verdict.Status.NO_IDENTITY, v.status());
        assertNull(v.headers().get(0).reason()); // the div PASSporT itself is fine
        assertNotNull(v.diversion());
        assertFalse(v.diversion().chained());
    }

    @Test
    void unneededDivIsCheckedButTheDirectMatchDecides() {
        Verdict v = verify(A, SipRequest.NONE, shaken(A), divAtoB());
        assertEquals(Verdict.Status.PASS, v.status());
        assertFalse(v.forwarded());
        assertNull(v.headers().get(1).reason());
    }

    @Test
    void historyInfoIsPreferredOverDiversionAndBothAreTried() {
        SipRequest sip = new SipRequest(null, null, null, List.of(),
                List.of("<tel:+" + A + ">;index=1,<tel:+" + B + ">;index=1.1;mp=1"), List.of("<tel:+12155550999>"));
        org.stirshield.passport.TnCanonicalizer us = new org.stirshield.passport.TnCanonicalizer("US", 15);
        assertEquals("History-Info", DivChain.firstShown(sip, us).header());
        assertEquals(List.of(A), DivChain.firstShown(sip, us).tns());
        assertEquals(2, DivChain.shown(sip, us).size());
        // the chain A→B matches History-Info although Diversion says otherwise
        assertEquals(Verdict.Status.PASS, verify(B, sip, shaken(A), divAtoB()).status());
    }

    @Test
    void aBrokenChainWithAGoodSecondShakenHeaderStillPasses() {
        Verdict v = verify(B, history(A, B), shaken(A), shaken(B));
        assertEquals(Verdict.Status.PASS, v.status()); // HDR-07: any passing header
        assertEquals(Reason.DIV_CHAIN_BROKEN, v.headers().get(0).reason());
    }
}
