package org.stirshield.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.audit.DecisionRecorder;
import org.stirshield.cert.CertificateSource;
import org.stirshield.cert.Credential;
import org.stirshield.cert.CredentialException;
import org.stirshield.cert.CredentialFailure;
import org.stirshield.cert.Deadline;
import org.stirshield.cert.FetchPriority;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.PolicyLoader;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verifier;
import org.stirshield.verify.VerifierSettings;

/** The pipeline asks the policy whether the caller claims a protected number before it verifies, and says so to the certificate source. */
class FetchPriorityTest {
    @TempDir
    Path dir;

    @Test
    void aCallClaimingAProtectedNumberAsksForItsCertificateWithPriority() throws Exception {
        Map<String, FetchPriority> asked = new ConcurrentHashMap<>();
        CertificateSource source = new CertificateSource() {
            @Override
            public Credential credential(String x5u, Instant at, Deadline deadline) throws CredentialException {
                return credential(x5u, at, deadline, FetchPriority.ORDINARY);
            }

            @Override
            public Credential credential(String x5u, Instant at, Deadline deadline, FetchPriority priority)
                    throws CredentialException {
                asked.put(x5u, priority);
                throw new CredentialException(CredentialFailure.TIMEOUT, "not fetched in this test");
            }
        };
        var key = CertificateAuthority.root("Priority Test CA").issueLeaf(LeafSpec.spc("1")).privateKey();
        try (DecisionRecorder recorder = DecisionRecorder.start(ConfigValues.readYaml(
                java.nio.file.Files.writeString(dir.resolve("c.yaml"), "metrics: {enabled: false}\n")),
                dir.resolve("audit.jsonl"), "off", Duration.ofMinutes(1))) {
            ScreeningPipeline pipeline = new ScreeningPipeline(Verifier.create(VerifierSettings.defaults(), source),
                    PolicyLoader.loadEmbedded(), recorder, Clock.systemUTC());
            screen(pipeline, key, "https://certs.example/protected.pem", "+525536865100"); // SRE Mexico: protected
            screen(pipeline, key, "https://certs.example/ordinary.pem", "+12025550123");   // not in the policy
        }
        assertEquals(FetchPriority.PROTECTED_CALLER, asked.get("https://certs.example/protected.pem"));
        assertEquals(FetchPriority.ORDINARY, asked.get("https://certs.example/ordinary.pem"));
    }

    private static void screen(ScreeningPipeline p, java.security.PrivateKey key, String x5u, String caller) {
        String jws = PassportSigner.shaken(key, x5u, "A", caller.substring(1), List.of("12155550100"),
                Instant.now().getEpochSecond(), null);
        p.screen(new CallAttempt(caller, "+12155550100", List.of(PassportSigner.identityHeader(jws, x5u)), null,
                "from-carrier", "id-" + caller, null), Deadline.in(Duration.ofSeconds(1)));
    }
}
