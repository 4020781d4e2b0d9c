package org.stirshield.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.stirshield.policy.TestCalls.GOOD_FP;
import static org.stirshield.policy.TestCalls.OTHER_FP;
import static org.stirshield.policy.TestCalls.call;
import static org.stirshield.policy.TestCalls.fail;
import static org.stirshield.policy.TestCalls.none;
import static org.stirshield.policy.TestCalls.pass;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/** Each policy rule decides at least one call (Verdicts built directly: they are plain records). */
class PolicyDecisionTest {
    static final String SRE = "525536865100";
    static Policy policy;

    @BeforeAll
    static void load(@TempDir Path dir) throws Exception {
        policy = PolicyLoader.load(TestCalls.write(dir, "policy.yaml", TestCalls.RULES));
    }

    @Test
    void pinnedSignerBySpcIsAcceptedAndGetsTheVerifiedAgencyName() {
        Decision d = policy.decide(call("from-carrier"), pass(SRE, "A", "GOOD1", OTHER_FP), 0, "Some Name");
        assertEquals("PASS", d.status());
        assertEquals(Action.ALLOW, d.action());
        assertEquals("verified", d.reason());
        assertNull(d.sipCode());
        assertEquals("SRE Mexico", d.callerName());
        assertEquals(new ProtectedMatch(SRE, "SRE Mexico", "pinned"), d.match());
    }

    @Test
    void pinnedSignerByFingerprintIsAccepted() {
        // the policy file writes the fingerprint upper case with colons; the verdict carries lowercase hex
        Decision d = policy.decide(call(null), pass(SRE, "A", "OTHERSPC", GOOD_FP), 0);
        assertEquals(Action.ALLOW, d.action());
        assertEquals("verified", d.reason());
    }

    @Test
    void otherSignerWithValidAAttestationIsRejectedAsSignerNotAllowed() {
        Decision d = policy.decide(call(null), pass(SRE, "A", "EVIL9", OTHER_FP), 0, "Ministry");
        assertEquals("FAIL", d.status());
        assertEquals(Action.REJECT, d.action());
        assertEquals(Policy.SIGNER_NOT_ALLOWED, d.reason());
        assertEquals(603, d.sipCode());
        assertNull(d.callerName());
        assertEquals("TN-Validation-Passed", d.verdict().verstat(), "verstat still reports the verification");
    }

    @Test
    void attestationBBelowMinimumAIsAFailure() {
        Decision d = policy.decide(call(null), pass(SRE, "B", "GOOD1", null), 0);
        assertEquals("FAIL", d.status());
        assertEquals(Action.REJECT, d.action());
        assertEquals(Policy.ATTEST_BELOW_MINIMUM, d.reason());
        assertEquals(603, d.sipCode());
    }

    @Test
    void attestationBMeetsMinimumB() {
        Decision d = policy.decide(call("from-carrier-a"), pass("15550100500", "B", "ANY", null), 0);
        assertEquals(Action.ALLOW, d.action());
        Decision c = policy.decide(call("from-carrier-a"), pass("15550100500", "C", "ANY", null), 0);
        assertEquals(Policy.ATTEST_BELOW_MINIMUM, c.reason());
    }

    @Test
    void inboundOnlyNumberIsRejectedEvenWhenValidlySigned() {
        Decision d = policy.decide(call(null), pass("861012308", "A", "GOOD1", GOOD_FP), 0);
        assertEquals(Action.REJECT, d.action());
        assertEquals(Policy.INBOUND_ONLY, d.reason());
        assertEquals("FAIL", d.status());
        assertEquals(603, d.sipCode());
        Decision unsigned = policy.decide(call(null), none("861012308"), 0);
        assertEquals(Action.REJECT, unsigned.action());
        assertEquals(Policy.INBOUND_ONLY, unsigned.reason());
        assertEquals("NO_IDENTITY", unsigned.status());
        Decision prefix = policy.decide(call(null), pass("864001234567", "A", "X", null), 0);
        assertEquals(Policy.INBOUND_ONLY, prefix.reason());
        assertEquals("86400*", prefix.match().entry());
    }

    @Test
    void internationalTrunkPresentingADomesticProtectedNumberIsRejected() {
        Decision d = policy.decide(call("from-intl-gw"), pass(SRE, "A", "GOOD1", GOOD_FP), 0);
        assertEquals(Action.REJECT, d.action());
        assertEquals(Policy.ORIGIN_NOT_ALLOWED, d.reason());
        assertEquals(603, d.sipCode());
        Decision unsigned = policy.decide(call("from-intl-gw"), none(SRE), 0);
        assertEquals(Policy.ORIGIN_NOT_ALLOWED, unsigned.reason());
    }

    @Test
    void allowTrunksRejectsOtherAndUnknownTrunks() {
        assertEquals(Policy.ORIGIN_NOT_ALLOWED,
                policy.decide(call("from-carrier-b"), pass("15550100001", "A", "X", null), 0).reason());
        assertEquals(Policy.ORIGIN_NOT_ALLOWED,
                policy.decide(call(null), pass("15550100001", "A", "X", null), 0).reason());
        assertEquals(Action.ALLOW,
                policy.decide(call("from-carrier-a"), pass("15550100001", "A", "X", null), 0).action());
    }

    @Test
    void replayedPassportCountsAsAVerificationFailureForProtectedNumbers() {
        Decision d = policy.decide(call(null), pass(SRE, "A", "GOOD1", GOOD_FP), 2);
        assertEquals("FAIL", d.status());
        assertEquals(Action.REJECT, d.action());
        assertEquals(Policy.REPLAYED_PASSPORT, d.reason());
        assertEquals(438, d.sipCode());
        assertEquals(2, d.replayCount());
    }

    /**
     * Each action for each failure class: p1/p2/p3 rotate reject/tag/allow over the classes failure
     * (bad_signature), missing Identity, infrastructure (x5u_timeout).
     */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "442070000001, failure, REJECT", "442070000001, missing, TAG, ", "442070000001, infra, ALLOW",
        "442070000002, failure, TAG", "442070000002, missing, ALLOW", "442070000002, infra, REJECT",
        "442070000003, failure, ALLOW", "442070000003, missing, REJECT", "442070000003, infra, TAG"})
    void eachActionForEachFailureClass(String tn, String kind, Action expected) {
        Verdict v = switch (kind) {
            case "failure" -> fail(tn, Reason.BAD_SIGNATURE);
            case "missing" -> none(tn);
            default -> fail(tn, Reason.X5U_TIMEOUT);
        };
        Decision d = policy.decide(call(null), v, 0, "Caller");
        assertEquals(expected, d.action());
        assertEquals(kind.equals("missing") ? "NO_IDENTITY" : "FAIL", d.status());
        String reason = switch (kind) {
            case "failure" -> "bad_signature";
            case "missing" -> "missing_identity";
            default -> "x5u_timeout";
        };
        assertEquals(reason, d.reason());
        assertEquals(kind.equals("missing") ? 428 : kind.equals("failure") ? 438 : 436, d.sipCode());
        if (expected == Action.TAG) {
            assertEquals("[P" + tn.charAt(tn.length() - 1) + "] Caller", d.callerName());
        } else {
            assertNull(d.callerName());
        }
    }

    @Test
    void tagWithoutAReceivedNameIsThePrefixAloneAndHostileCharactersAreStripped() {
        for (String none : new String[] {null, "", "  ", "unknown"}) {
            Decision d = policy.decide(call(null), fail("442070000002", Reason.BAD_SIGNATURE), 0, none);
            assertEquals("[P2] ", d.callerName(), "a prefix (ends in a space) for the adapter");
        }
        assertEquals("[P2] ", policy.decide(call(null), fail("442070000002", Reason.BAD_SIGNATURE), 0).callerName());
        Decision e = policy.decide(call(null), fail("442070000002", Reason.BAD_SIGNATURE), 0,
                "Evil\"\\\r\n,name" + "x".repeat(500));
        assertEquals(Action.TAG, e.action());
        assertEquals(Policy.MAX_NAME, e.callerName().length());
        assertEquals("[P2] Evil,namexxx", e.callerName().substring(0, 17));
        assertEquals("[P2] Bob", policy.decide(call(null), fail("442070000002", Reason.BAD_SIGNATURE), 0, " Bob ")
                .callerName(), "no trailing space: a full name, not a prefix");
    }

    @Test
    void unprotectedDefaultVerifiesReportsAndAllows() {
        Decision ok = policy.decide(call(null), pass("4930123456", "C", "ANY", null), 0);
        assertEquals(Decision.NOT_PROTECTED, ok.status());
        assertEquals(Action.ALLOW, ok.action());
        assertEquals("verified", ok.reason());
        assertNull(ok.match());
        Decision bad = policy.decide(call("from-intl-gw"), fail("4930123456", Reason.CERT_REVOKED), 0);
        assertEquals(Decision.NOT_PROTECTED, bad.status());
        assertEquals(Action.ALLOW, bad.action());
        assertEquals("cert_revoked", bad.reason());
        assertEquals(437, bad.sipCode());
        assertEquals("TN-Validation-Failed", bad.verdict().verstat());
        Decision unsigned = policy.decide(call(null), none("4930123456"), 0);
        assertEquals(Action.ALLOW, unsigned.action());
        assertEquals("missing_identity", unsigned.reason());
    }

    @Test
    void builtInUnprotectedRuleAllowsEverything(@TempDir Path dir) throws Exception {
        Policy p = PolicyLoader.load(TestCalls.write(dir, "p.yaml", "policies: {}\n"));
        assertEquals(Action.ALLOW, p.decide(call(null), fail("4930123456", Reason.BAD_SIGNATURE), 0).action());
        assertEquals(Action.ALLOW, p.decide(call(null), none("4930123456"), 0).action());
    }

    @Test
    void configuredUnprotectedRuleTagsFailures(@TempDir Path dir) throws Exception {
        Policy p = PolicyLoader.load(TestCalls.write(dir, "p.yaml", """
                unprotected: {on_failure: tag, on_missing_identity: allow, tag: "[?] "}
                """));
        Decision d = p.decide(call(null), fail("4930123456", Reason.BAD_SIGNATURE), 0, "Bob");
        assertEquals(Action.TAG, d.action());
        assertEquals("[?] Bob", d.callerName());
        assertEquals(Decision.NOT_PROTECTED, d.status());
    }

    @Test
    void rejectSipCodeIsConfigurable(@TempDir Path dir) throws Exception {
        Policy p = PolicyLoader.load(TestCalls.write(dir, "p.yaml", """
                reject_sip_code: 608
                policies: {h: {inbound_only: true}}
                protected: [{number: "+86 10 12308", agency: H, policy: h}]
                """));
        assertEquals(608, p.decide(call(null), none("861012308"), 0).sipCode());
    }

    @Test
    void embeddedExamplePolicyProtectsThePublicNumbers() {
        Policy p = PolicyLoader.loadEmbedded();
        assertEquals("consular-hotline", p.lookup("861012308").policy());
        assertEquals("consular-hotline", p.lookup("861065612308").policy());
        assertEquals("consular-hotline", p.lookup("12308").policy(), "short-code form, as canonicalized in CN");
        assertEquals("anti-fraud-callout", p.lookup("96110").policy());
        assertEquals("anti-fraud-callout", p.lookup("8696110").policy());
        assertEquals("inbound-service", p.lookup("864008123456").policy());
        assertEquals("inbound-service", p.lookup("84156").policy());
        assertEquals("inbound-service", p.lookup("5656").policy());
        assertNotNull(p.lookup(SRE));
        assertNull(p.lookup("525536865101"));
        assertEquals(Policy.INBOUND_ONLY, p.decide(call(null), pass("861012308", "A", "X", null), 0).reason());
        // 96110 does call out: signed with A passes, unsigned is rejected
        assertEquals(Action.ALLOW, p.decide(call(null), pass("8696110", "A", "X", null), 0).action());
        assertEquals(Action.REJECT, p.decide(call(null), none("8696110"), 0).action());
    }
}
