package org.stirshield.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cert.CredentialValidator;
import org.stirshield.cert.CrlSource;
import org.stirshield.cert.LocalCertificateSource;
import org.stirshield.cert.RevocationMode;
import org.stirshield.cert.TrustAnchors;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;
import org.stirshield.verify.Verifier;
import org.stirshield.verify.VerifierSettings;

/**
 * Real PASSporTs signed with a generated STI PKI (real TNAuthList certificates) run through the real
 * {@link Verifier} and then the policy engine: signer pinning by SPC and by fingerprint, attestation
 * minimum, inbound-only, origin, failures and missing Identity.
 */
class PolicyEndToEndTest {
    static final String SRE = "+52 55 3686 5100";
    static final String CALLED = "+1 215 555 0199";
    static final String GOOD_X5U = "https://cert.carrier-mx.example/mx01.pem";
    static final String EVIL_X5U = "https://cert.other.example/evil.pem";
    static final String FP_X5U = "https://cert.carrier-two.example/fp.pem";

    static LeafCertificate good;
    static LeafCertificate evil;
    static LeafCertificate byFingerprint;
    static Verifier verifier;
    static Policy policy;

    @BeforeAll
    static void setUp(@TempDir Path dir) throws Exception {
        CertificateAuthority root = CertificateAuthority.root("Test STI-CA Root");
        CertificateAuthority ca = root.intermediate("Test STI-CA Issuing");
        good = ca.issueLeaf(LeafSpec.spc("MX01"));
        evil = ca.issueLeaf(LeafSpec.spc("EVIL9"));
        byFingerprint = ca.issueLeaf(LeafSpec.spc("MX77"));
        Map<String, byte[]> served = new HashMap<>();
        served.put(GOOD_X5U, good.chainPem().getBytes(StandardCharsets.US_ASCII));
        served.put(EVIL_X5U, evil.chainPem().getBytes(StandardCharsets.US_ASCII));
        served.put(FP_X5U, byFingerprint.chainPem().getBytes(StandardCharsets.US_ASCII));
        CredentialValidator validator = new CredentialValidator(TrustAnchors.of(List.of(root.certificate())),
                CrlSource.none(), RevocationMode.IF_AVAILABLE);
        verifier = Verifier.create(VerifierSettings.defaults(), new LocalCertificateSource(served, validator, null));
        String fp = CredentialValidator.fingerprint(byFingerprint.certificate()).toUpperCase()
                .replaceAll("(..)(?!$)", "$1:");
        policy = PolicyLoader.load(TestCalls.write(dir, "policy.yaml", """
                policies:
                  ministry:
                    min_attest: A
                    allowed_signers: {spc: [mx01], fingerprints: ["%s"]}
                    deny_trunks: [from-intl-gw]
                    on_failure: reject
                    on_missing_identity: tag
                    on_infrastructure_error: tag
                    verified_name: true
                  hotline: {inbound_only: true}
                protected:
                  - {number: "%s", agency: "SRE Mexico", policy: ministry}
                  - {number: "+86 10 12308", agency: "Consular Hotline", policy: hotline}
                """.formatted(fp, SRE)));
    }

    private static Decision screen(LeafCertificate leaf, String x5u, String attest, String caller, String trunk) {
        Instant now = Instant.now();
        String origTn = caller.replaceAll("[^0-9]", "");
        String jws = PassportSigner.shaken(leaf.privateKey(), x5u, attest, origTn, List.of("12155550199"),
                now.getEpochSecond(), null);
        return screenHeaders(List.of(PassportSigner.identityHeader(jws, x5u)), caller, trunk, now);
    }

    private static Decision screenHeaders(List<String> headers, String caller, String trunk, Instant now) {
        CallAttempt call = new CallAttempt(caller, CALLED, headers, null, trunk, "c1", "PJSIP/t-1");
        Verdict v = verifier.verify(call, now);
        return policy.decide(call, v, 0, "Caller Name");
    }

    @Test
    void pinnedCarrierSigningWithAIsVerified() {
        Decision d = screen(good, GOOD_X5U, "A", SRE, "from-carrier");
        assertEquals(Verdict.Status.PASS, d.verdict().status(), () -> d.verdict().toString());
        assertEquals("525536865100", d.verdict().callerTn());
        assertEquals("PASS", d.status());
        assertEquals(Action.ALLOW, d.action());
        assertEquals("verified", d.reason());
        assertEquals("SRE Mexico", d.callerName());
    }

    @Test
    void pinnedByCertificateFingerprint() {
        Decision d = screen(byFingerprint, FP_X5U, "A", SRE, null);
        assertEquals(Action.ALLOW, d.action(), () -> d.toString());
    }

    @Test
    void validAAttestationFromAnotherCarrierIsSignerNotAllowed() {
        Decision d = screen(evil, EVIL_X5U, "A", SRE, null);
        assertEquals(Verdict.Status.PASS, d.verdict().status(), "the signature itself is valid");
        assertEquals("FAIL", d.status());
        assertEquals(Action.REJECT, d.action());
        assertEquals("signer_not_allowed", d.reason());
        assertEquals(603, d.sipCode());
    }

    @Test
    void bAttestationFromThePinnedCarrierIsBelowMinimum() {
        Decision d = screen(good, GOOD_X5U, "B", SRE, null);
        assertEquals("attest_below_minimum", d.reason());
        assertEquals(Action.REJECT, d.action());
    }

    @Test
    void tamperedSignatureIsRejectedWithTheVerifierReason() {
        Instant now = Instant.now();
        String jws = PassportSigner.shaken(good.privateKey(), GOOD_X5U, "A", "525536865100", List.of("12155550199"),
                now.getEpochSecond(), null);
        char last = jws.charAt(jws.length() - 2);
        String tampered = jws.substring(0, jws.length() - 2) + (last == 'A' ? 'B' : 'A') + jws.charAt(jws.length() - 1);
        Decision d = screenHeaders(List.of(PassportSigner.identityHeader(tampered, GOOD_X5U)), SRE, null, now);
        assertEquals("FAIL", d.status());
        assertEquals("bad_signature", d.reason());
        assertEquals(438, d.sipCode());
        assertEquals(Action.REJECT, d.action());
    }

    @Test
    void missingIdentityIsTaggedWithTheReceivedName() {
        Decision d = screenHeaders(List.of(), SRE, null, Instant.now());
        assertEquals("NO_IDENTITY", d.status());
        assertEquals("525536865100", d.verdict().callerTn(), "the verifier fills the canonical TN without Identity");
        assertEquals(Action.TAG, d.action());
        assertEquals("[UNVERIFIED] Caller Name", d.callerName());
        assertEquals(428, d.sipCode());
    }

    @Test
    void inboundOnlyHotlineValidlySignedIsRejected() {
        Decision d = screen(good, GOOD_X5U, "A", "+86 10 12308", null);
        assertEquals("861012308", d.verdict().callerTn());
        assertEquals(Action.REJECT, d.action());
        assertEquals("inbound_only", d.reason());
    }

    @Test
    void internationalGatewayPresentingTheMinistryNumberIsRejected() {
        Decision d = screen(good, GOOD_X5U, "A", SRE, "from-intl-gw");
        assertEquals(Action.REJECT, d.action());
        assertEquals("origin_not_allowed", d.reason());
    }

    @Test
    void unprotectedCallerIsVerifiedAndAllowed() {
        Decision d = screen(evil, EVIL_X5U, "C", "+1 215 555 0100", null);
        assertEquals(Decision.NOT_PROTECTED, d.status());
        assertEquals(Action.ALLOW, d.action());
        assertEquals("verified", d.reason());
        assertNull(d.match());
        assertEquals("TN-Validation-Passed", d.verdict().verstat());
    }
}
