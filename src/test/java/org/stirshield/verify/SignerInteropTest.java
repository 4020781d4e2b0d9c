package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.stirshield.cert.CredentialValidator;
import org.stirshield.cert.FileCrlSource;
import org.stirshield.cert.LocalCertificateSource;
import org.stirshield.cert.RevocationMode;
import org.stirshield.cert.TrustAnchors;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;

/** The project's own authentication side (org.stirshield.sign) against this verifier. */
class SignerInteropTest {
    private static final String X5U = "https://sti.example.org/sp.pem";

    @Test
    void signedBySignPackageVerifiesAndRangesAndCrlsWork() {
        Instant now = Instant.now();
        CertificateAuthority root = CertificateAuthority.root("Interop Root");
        CertificateAuthority ca = root.intermediate("Interop Issuing");
        LeafCertificate leaf = ca.issueLeaf(LeafSpec.spc("7777").withRange("12025550100", 50).withCrlDistributionPoint("http://crl.example/i.crl"));
        Map<String, byte[]> served = Map.of(X5U, leaf.chainPem().getBytes(StandardCharsets.US_ASCII));
        String token = PassportSigner.shaken(leaf.privateKey(), X5U, "B", "12025550123", List.of("12025550999"), now.getEpochSecond(), null);
        CallAttempt call = CallAttempt.of("tel:+1-202-555-0123", "(202) 555-0999", List.of(PassportSigner.identityHeader(token, X5U)));

        CredentialValidator plain = new CredentialValidator(TrustAnchors.of(List.of(root.certificate())), null, RevocationMode.IF_AVAILABLE);
        Verdict v = Verifier.create(VerifierSettings.defaults(), new LocalCertificateSource(served, plain, null)).verify(call, now);
        assertEquals(Verdict.Status.PASS, v.status(), v::toString);
        assertEquals("B", v.attest());
        assertEquals("7777", v.spc());
        assertEquals(Boolean.TRUE, v.tnAuthorized());

        CredentialValidator require = new CredentialValidator(TrustAnchors.of(List.of(root.certificate())), null, RevocationMode.REQUIRE);
        assertEquals(Reason.REVOCATION_UNAVAILABLE,
                Verifier.create(VerifierSettings.defaults(), new LocalCertificateSource(served, require, null)).verify(call, now).reason());

        FileCrlSource crl = new FileCrlSource(List.of(ca.crl(now.minusSeconds(60), now.plusSeconds(3600), leaf.certificate().getSerialNumber())));
        CredentialValidator revoking = new CredentialValidator(TrustAnchors.of(List.of(root.certificate())), crl, RevocationMode.REQUIRE);
        assertEquals(Reason.CERT_REVOKED,
                Verifier.create(VerifierSettings.defaults(), new LocalCertificateSource(served, revoking, null)).verify(call, now).reason());
    }
}
