package org.stirshield.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;
import org.stirshield.verify.Verdict;

/** Real Verdict and CallAttempt values (plain records) for policy tests, and policy files on disk. */
final class TestCalls {
    static final String GOOD_FP = "aa".repeat(32);
    static final String OTHER_FP = "bb".repeat(32);

    private TestCalls() {
    }

    static CallAttempt call(String trunk) {
        return new CallAttempt("+" + "525536865100", "15551230000", List.of(), null, trunk, "call-1", "PJSIP/x");
    }

    static Verdict pass(String tn, String attest, String spc, String fingerprint) {
        return new Verdict(Verdict.Status.PASS, attest, null, "https://cert.example.net/a.pem", "origid-1", spc,
                fingerprint, 1_763_900_000L, "d1g3st", null, tn, "15551230000", List.of());
    }

    static Verdict fail(String tn, Reason reason) {
        return new Verdict(Verdict.Status.FAIL, null, reason, "https://cert.example.net/a.pem", null, null, null,
                null, null, null, tn, "15551230000", List.of());
    }

    static Verdict none(String tn) {
        return new Verdict(Verdict.Status.NO_IDENTITY, null, Reason.MISSING_IDENTITY, null, null, null, null, null,
                null, null, tn, "15551230000", List.of());
    }

    /** Writes a file atomically (temporary file, then rename), as operators are told to. */
    static Path write(Path dir, String name, String text) {
        try {
            Path p = dir.resolve(name);
            Path tmp = dir.resolve("." + name + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A policy exercising every rule. */
    static final String RULES = """
            reject_sip_code: 603
            unprotected:
              on_failure: allow
              on_missing_identity: allow
              on_infrastructure_error: allow
            policies:
              pinned:
                min_attest: A
                allowed_signers:
                  spc: ["good1"]
                  fingerprints: ["%s"]
                deny_trunks: [from-intl-gw]
                on_failure: reject
                on_missing_identity: tag
                on_infrastructure_error: tag
                verified_name: true
              hotline:
                inbound_only: true
              carrier-only:
                allow_trunks: [from-carrier-a]
                min_attest: B
              p1: {on_failure: reject, on_missing_identity: tag, on_infrastructure_error: allow, tag: "[P1] "}
              p2: {on_failure: tag, on_missing_identity: allow, on_infrastructure_error: reject, tag: "[P2] "}
              p3: {on_failure: allow, on_missing_identity: reject, on_infrastructure_error: tag, tag: "[P3] "}
            protected:
              - number: "+52 55 3686 5100"
                agency: "SRE Mexico"
                policy: pinned
              - number: "+86 10 12308"
                agency: "Consular Hotline"
                policy: hotline
              - prefix: "+86 400"
                agency: "400 service"
                policy: hotline
              - range: "+1 555 010 0000..+1 555 010 0999"
                agency: "Carrier-only agency"
                policy: carrier-only
              - number: "+44 20 7000 0001"
                agency: "Agency P1"
                policy: p1
              - number: "+44 20 7000 0002"
                agency: "Agency P2"
                policy: p2
              - number: "+44 20 7000 0003"
                agency: "Agency P3"
                policy: p3
            """.formatted(GOOD_FP.toUpperCase().replaceAll("(..)(?!$)", "$1:"));
}
