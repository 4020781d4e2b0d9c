package org.stirshield.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/**
 * The policy settings for forwarded calls ({@code on_forwarded}, DIV-01) and pinned names ({@code names:},
 * Rich Call Data and caller names), with Verdicts as the verifier builds them for such calls.
 */
class ForwardedAndNamesPolicyTest {
    static final String SRE = "525536865100";
    static final String HOTLINE = "86101230800";
    static final String STRANGER = "12025550123";
    static final String POLICY = """
            policies:
              no-forward:
                on_forwarded: reject
                verified_name: true
              forward-ok:
                on_failure: tag
            unprotected:
              on_failure: allow
            protected:
              - number: "+52 55 3686 5100"
                agency: "SRE Mexico"
                policy: no-forward
              - number: "+86 10 1230 800"
                agency: "Consular Hotline"
                policy: forward-ok
            names:
              on_spoof: reject
              caller_name: true
              protected:
                - name: "SRE México"
                  agency: "SRE Mexico"
                - name: "Secretaría de Relaciones Exteriores"
                  agency: "sre mexico"
                  match: contains
                - name: "Consular Protection"
                  agency: "Consular Hotline"
            """;
    static Policy policy;

    @BeforeAll
    static void load(@TempDir Path dir) throws Exception {
        policy = PolicyLoader.load(TestCalls.write(dir, "policy.yaml", POLICY));
    }

    static CallAttempt call(String caller) {
        return new CallAttempt("+" + caller, "15551230000", List.of(), null, null, "c-1", "PJSIP/x");
    }

    static Verdict pass(String tn, Verdict.Diversion div, Verdict.RichCallData rcd) {
        return new Verdict(Verdict.Status.PASS, "A", null, "https://cert.example.net/a.pem", "o", "SPC1", "ab".repeat(32),
                1_763_900_000L, "d", null, tn, "15551230000", List.of(), div, rcd);
    }

    static Verdict fail(String tn, Reason r, Verdict.RichCallData rcd) {
        return new Verdict(Verdict.Status.FAIL, null, r, null, null, null, null, null, null, null, tn, "15551230000",
                List.of(), null, rcd);
    }

    static Verdict.Diversion chained() {
        return new Verdict.Diversion("15551239999", List.of(new Verdict.DivHop(1, "15551239999", List.of("15551230000"),
                "https://fwd.example/c.pem", "FWD", null, 1L, null)), true, List.of("15551239999"), "History-Info", null, "d0");
    }

    static Verdict.Diversion sipOnly() {
        return new Verdict.Diversion(null, List.of(), false, List.of("15551239999"), "Diversion", null, null);
    }

    static Verdict.RichCallData rcd(String name, boolean verified) {
        return new Verdict.RichCallData(verified, name, verified ? "Visa appointment" : null, 0,
                verified ? null : "rcdi_mismatch", List.of(name), List.of());
    }

    @Test
    void forwardedCallFromANumberWhosePolicyRefusesForwardsIsRejected() {
        Decision d = policy.decide(call(SRE), pass(SRE, chained(), null), 0);
        assertEquals(Action.REJECT, d.action());
        assertEquals(Policy.FORWARDED_NOT_ALLOWED, d.reason());
        assertEquals(603, d.sipCode());
        assertEquals("FAIL", d.status());
        // a call SIP shows as forwarded counts too (the div chain was not needed)
        assertEquals(Policy.FORWARDED_NOT_ALLOWED, policy.decide(call(SRE), pass(SRE, sipOnly(), null), 0).reason());
        // the same number, not forwarded
        assertEquals(Action.ALLOW, policy.decide(call(SRE), pass(SRE, null, null), 0).action());
    }

    @Test
    void forwardedCallIsAcceptedByDefault() {
        Decision d = policy.decide(call(HOTLINE), pass(HOTLINE, chained(), null), 0);
        assertEquals(Action.ALLOW, d.action());
        assertEquals(Policy.VERIFIED, d.reason());
        // and a failed forwarded call keeps its own reason
        Decision f = policy.decide(call(HOTLINE), fail(HOTLINE, Reason.DIV_CHAIN_BROKEN, null), 0);
        assertEquals(Action.TAG, f.action());
        assertEquals("div_chain_broken", f.reason());
        assertEquals(438, f.sipCode());
    }

    @Test
    void verifiedRcdNameOfTheAgencysOwnNumberIsShown() {
        Decision d = policy.decide(call(SRE), pass(SRE, null, rcd("SRE México", true)), 0);
        assertEquals(Action.ALLOW, d.action());
        assertEquals("SRE México", d.rcdName());
        assertEquals("Visa appointment", d.rcdReason());
        assertEquals("SRE Mexico", d.callerName()); // verified_name: the policy's agency name
    }

    @Test
    void agencyNameFromAnUnprotectedNumberIsASpoofEvenWhenSignedAndVerified() {
        Decision d = policy.decide(call(STRANGER), pass(STRANGER, null, rcd("SRE MEXICO", true)), 0);
        assertEquals(Action.REJECT, d.action());
        assertEquals(Policy.NAME_SPOOFED, d.reason());
        assertEquals(603, d.sipCode());
        assertEquals("SRE Mexico", d.match().agency()); // STIR_AGENCY: the agency impersonated
        assertEquals(Policy.NAMES_POLICY, d.match().policy());
        assertNull(d.rcdName());
        assertEquals("TN-Validation-Passed", d.verdict().verstat());
    }

    @Test
    void agencyNameFromAnotherAgencysNumberIsASpoof() {
        Decision d = policy.decide(call(HOTLINE), pass(HOTLINE, null, rcd("sre-méxico", true)), 0);
        assertEquals(Policy.NAME_SPOOFED, d.reason());
        assertEquals("SRE Mexico", d.match().agency());
    }

    @Test
    void agencyNameOnTheAgencysNumberThatFailsVerificationKeepsTheFailureReason() {
        Decision d = policy.decide(call(SRE), fail(SRE, Reason.BAD_SIGNATURE, rcd("SRE México", false)), 0);
        assertEquals(Action.REJECT, d.action());
        assertEquals("bad_signature", d.reason()); // already rejected: the more specific reason stays
    }

    @Test
    void unsignedCallFromTheAgencysOwnNumberWithItsNameFollowsThatNumbersPolicy() {
        Verdict none = new Verdict(Verdict.Status.NO_IDENTITY, null, Reason.MISSING_IDENTITY, null, null, null, null, null,
                null, null, SRE, "15551230000", List.of());
        Decision d = policy.decide(call(SRE), none, 0, "SRE Mexico");
        assertEquals(Action.TAG, d.action()); // on_missing_identity of no-forward (default tag), not name_spoofed
        assertEquals("missing_identity", d.reason());
    }

    @Test
    void containsPinCatchesLongerNames() {
        Decision d = policy.decide(call(STRANGER), pass(STRANGER, null, null), 0,
                "Secretaria de Relaciones Exteriores - Pasaportes");
        assertEquals(Policy.NAME_SPOOFED, d.reason()); // the pin has the accent, the caller dropped it: same name
        assertEquals(Policy.NAME_SPOOFED, policy.decide(call(STRANGER), pass(STRANGER, null, null), 0,
                "ＳＲＥ Ｍéxico").reason()); // fullwidth letters (NFKD)
    }

    @Test
    void callerNameAloneIsCheckedUnlessTurnedOff(@TempDir Path dir) throws Exception {
        Decision d = policy.decide(call(STRANGER), pass(STRANGER, null, null), 0, "Consular  protection!");
        assertEquals(Policy.NAME_SPOOFED, d.reason());
        assertEquals("Consular Hotline", d.match().agency());
        Policy off = PolicyLoader.load(TestCalls.write(dir, "p.yaml", POLICY.replace("caller_name: true", "caller_name: false")));
        assertEquals(Policy.VERIFIED, off.decide(call(STRANGER), pass(STRANGER, null, null), 0, "Consular Protection").reason());
    }

    @Test
    void unverifiedRcdNameStillCountsAsAClaim() {
        Decision d = policy.decide(call(STRANGER), pass(STRANGER, null, rcd("Consular Protection", false)), 0);
        assertEquals(Policy.NAME_SPOOFED, d.reason());
    }

    @Test
    void otherNamesAreLeftAlone() {
        Decision d = policy.decide(call(STRANGER), pass(STRANGER, null, rcd("Pizza Palace", true)), 0, "Pizza Palace");
        assertEquals(Policy.VERIFIED, d.reason());
        assertEquals("Pizza Palace", d.rcdName());
    }

    @Test
    void tagOnSpoofPrefixesThePresentedName(@TempDir Path dir) throws Exception {
        Policy tag = PolicyLoader.load(TestCalls.write(dir, "t.yaml", POLICY.replace("on_spoof: reject",
                "on_spoof: tag\n  tag: \"[FAKE AGENCY] \"")));
        Decision d = tag.decide(call(STRANGER), pass(STRANGER, null, null), 0, "SRE Mexico");
        assertEquals(Action.TAG, d.action());
        assertEquals("[FAKE AGENCY] SRE Mexico", d.callerName());
    }

    @Test
    void loaderRejectsBadNamesSections(@TempDir Path dir) {
        String base = "policies: {p: {}}\nprotected: [{number: \"+1 202 555 0100\", agency: A, policy: p}]\n";
        for (String[] bad : new String[][] {
                {"names: {protected: [{name: \"A\"}]}", "name and agency are required"},
                {"names: {protected: [{name: \"!!\", agency: A}]}", "letters or digits"},
                {"names: {protected: [{name: \"Ab\", agency: A, match: contains}]}", "at least"},
                {"names: {protected: [{name: \"The Agency\", agency: A}, {name: \"the-agency\", agency: A}]}", "already pinned"},
                {"names: {protected: [{name: \"X\", agency: A, match: fuzzy}]}", "exact or contains"},
                {"names: {on_spoof: block}", "allow, tag or reject"},
                {"names: {pinned: []}", "unknown key"},
                {"policies: {p: {on_forwarded: maybe}}\nprotected: []", "allow, tag or reject"}}) {
            String text = bad[0].startsWith("policies") ? bad[0] : base + bad[0];
            PolicyException e = assertThrows(PolicyException.class,
                    () -> PolicyLoader.load(TestCalls.write(dir, "bad.yaml", text)), text);
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
            assertTrue(e.getMessage().matches(".*bad\\.yaml:\\d+: .*"), e.getMessage());
        }
    }

    @Test
    void nameOfAnAgencyWithoutNumbersIsAWarning(@TempDir Path dir) throws Exception {
        PolicyReport r = PolicyLoader.check(TestCalls.write(dir, "w.yaml", "policies: {}\nnames: {protected: [{name: Ghost Agency, agency: Ghost}]}\n"));
        java.io.StringWriter out = new java.io.StringWriter();
        r.print(new java.io.PrintWriter(out, true));
        assertTrue(out.toString().contains("which has no protected numbers"), out.toString());
    }
}
