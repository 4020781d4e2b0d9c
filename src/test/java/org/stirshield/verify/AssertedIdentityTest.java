package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stirshield.testing.Fixture.CALLED;
import static org.stirshield.testing.Fixture.CALLER;
import static org.stirshield.testing.Fixture.IAT;
import static org.stirshield.testing.Fixture.NOW;
import static org.stirshield.testing.Fixture.X5U;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.stirshield.sign.PassportSigner;
import org.stirshield.testing.Fixture;
import org.stirshield.testing.TestPki;

/**
 * Several P-Asserted-Identity values (SHK-06, ATIS-1000074 §5.3.1: "if two PAI values, check each until one
 * is valid"), with real signed PASSporTs.
 */
class AssertedIdentityTest {
    private static final Fixture F = new Fixture();
    private static final String OTHER = "12025550177";

    private static String identity(String orig) {
        return PassportSigner.identityHeader(PassportSigner.shaken(F.leaf.key(), X5U, "A", orig, List.of(CALLED), IAT,
                null), X5U);
    }

    private static Verdict verify(String presented, List<String> pai, String identity) {
        SipRequest sip = new SipRequest(null, null, null, pai, List.of(), List.of());
        return F.verifier().verify(CallAttempt.of(presented, CALLED, List.of(identity)).withSip(sip), NOW);
    }

    @Test
    void telAndSipPaiOfTheSameNumberPass() {
        Verdict v = verify("+" + CALLER, List.of("<sip:+" + CALLER + "@carrier.example;user=phone>", "<tel:+" + CALLER + ">"),
                identity(CALLER));
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertEquals(CALLER, v.callerTn());
    }

    @Test
    void theSecondPaiIsTriedWhenTheFirstIsNoNumber() {
        Verdict v = verify("+" + CALLER, List.of("<sip:switchboard@agency.example>", "<tel:+" + CALLER + ">"), identity(CALLER));
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
    }

    @Test
    void theSecondPaiIsTriedWhenTheFirstIsAnotherNumber() {
        // without a presented caller (the dialplan passed none) the PAI that verifies is the caller
        Verdict v = verify(null, List.of("<tel:+" + OTHER + ">", "<tel:+" + CALLER + ">"), identity(CALLER));
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertEquals(CALLER, v.callerTn());
    }

    @Test
    void aVerifiedPaiDoesNotVouchForAnotherPresentedNumber() {
        // the callee would see OTHER; the PASSporT is for CALLER, which is only the second PAI
        Verdict v = verify("+" + OTHER, List.of("<tel:+" + OTHER + ">", "<tel:+" + CALLER + ">"), identity(CALLER));
        assertEquals(Verdict.Status.FAIL, v.status());
        assertEquals(Reason.ORIG_MISMATCH, v.reason());
        assertEquals(OTHER, v.callerTn()); // the policy looks at the number the callee sees
        assertTrue(v.headers().get(0).detail().contains("presented"), v.headers().get(0).detail());
    }

    @Test
    void noPaiMatchesIsOrigMismatch() {
        Verdict v = verify("+" + OTHER, List.of("<tel:+" + OTHER + ">"), identity(CALLER));
        assertEquals(Reason.ORIG_MISMATCH, v.reason());
        assertTrue(v.headers().get(0).detail().contains("P-Asserted-Identity"));
    }

    @Test
    void withPaiTheFromNumberAloneDoesNotCount() {
        // SHK-06: PAI when present, From only otherwise; a PASSporT for the From number fails
        Verdict v = verify("+" + CALLER, List.of("<tel:+" + OTHER + ">"), identity(CALLER));
        assertEquals(Reason.ORIG_MISMATCH, v.reason());
    }

    @Test
    void certificateScopeIsCheckedForThePaiThatMatches() {
        Fixture tn = new Fixture(new TestPki.LeafSpec().number(CALLER));
        String h = PassportSigner.identityHeader(PassportSigner.shaken(tn.leaf.key(), X5U, "A", CALLER, List.of(CALLED), IAT,
                null), X5U);
        SipRequest sip = new SipRequest(null, null, null, List.of("<tel:+" + OTHER + ">", "<tel:+" + CALLER + ">"), List.of(),
                List.of());
        Verdict v = tn.verifier().verify(CallAttempt.of(null, CALLED, List.of(h)).withSip(sip), NOW);
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertEquals(Boolean.TRUE, v.tnAuthorized());
    }
}
