package org.stirshield.agi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import org.stirshield.cert.Deadline;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Decision;
import org.stirshield.service.CallScreener;
import org.stirshield.service.StirShieldService;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.Pem;
import org.stirshield.testing.ForwardingScreener;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Reason;

/**
 * The call scenarios of the FastAGI tests, in ONE place, run through the REAL pipeline: a test STI PKI
 * (root → leaf with a TNAuthList, generated here), really signed PASSporTs, and the production
 * {@link StirShieldService} (verifier, certificate cache, replay detection, policy from a YAML file, audit
 * log) built from a configuration file, exactly as {@code serve} builds it.
 */
final class Scenarios implements AutoCloseable {
    /** A protected number: a consular hotline. */
    static final String PROTECTED_TN = "+861012308";
    /** Its owner; the comma, quotes and parentheses exercise the MSet escaping. */
    static final String AGENCY = "Ministry of Foreign Affairs, \"Global\" Consular Hotline (12308)";
    static final String CALLED_TN = "+8613800138000";
    static final String OTHER_TN = "+14155550100";
    /** Where the carrier publishes its certificate; pinned to a local file in the configuration. */
    static final String GENUINE_X5U = "https://cert.example.cn/shaken.pem";
    /** Another carrier with a valid STI certificate (SPC 6666) that never serves the agency. */
    static final String OTHER_CARRIER_X5U = "https://cert.other-carrier.example/shaken.pem";
    /** A protected number that never calls out (a hotline): every call presenting it is spoofed. */
    static final String INBOUND_ONLY_TN = "+861065612308";
    static final String HOTLINE_AGENCY = "Consular Protection Hotline";

    private static final Pki PKI = new Pki();

    /** Recorded by the screener: every call it was asked about. */
    final ConcurrentLinkedQueue<CallAttempt> seen = new ConcurrentLinkedQueue<>();
    /** The reasons of the calls decided without verification (request unreadable, unknown script ...). */
    final ConcurrentLinkedQueue<Reason> unverified = new ConcurrentLinkedQueue<>();
    private StirShieldService service;
    private Path dir;

    Scenarios() {
        PKI.refresh();
    }

    /** The test STI PKI and the PASSporTs signed with it, re-signed when they get old (TIM-01: 60 s). */
    private static final class Pki {
        final CertificateAuthority root = CertificateAuthority.root("AGI Test STI-CA");
        final CertificateAuthority issuing = root.intermediate("AGI Test Issuing");
        final LeafCertificate carrier = issuing.issueLeaf(LeafSpec.spc("1234"));
        final LeafCertificate otherCarrier = issuing.issueLeaf(LeafSpec.spc("6666"));
        final Path files;
        volatile Instant signedAt = Instant.EPOCH;
        volatile String genuine;
        volatile String spoofed;

        Pki() {
            try {
                files = Files.createTempDirectory("stirshield-agi-pki");
                Files.createDirectories(files.resolve("trust"));
                Files.writeString(files.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
                Files.writeString(files.resolve("carrier.pem"), carrier.chainPem());
                Files.writeString(files.resolve("other-carrier.pem"), otherCarrier.chainPem());
                Files.writeString(files.resolve("carrier-key.pem"), Pem.privateKey(carrier.privateKey()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        synchronized void refresh() {
            Instant now = Instant.now();
            if (Duration.between(signedAt, now).toSeconds() < 15) {
                return;
            }
            genuine = sign(PROTECTED_TN, GENUINE_X5U, now);
            spoofed = sign(OTHER_TN, GENUINE_X5U, now);
            signedAt = now;
        }

        String sign(String origTn, String x5u, Instant iat) {
            return sign(carrier, origTn, x5u, "A", iat);
        }

        String sign(LeafCertificate signer, String origTn, String x5u, String attest, Instant iat) {
            String jws = PassportSigner.shaken(signer.privateKey(), x5u, attest, digits(origTn),
                    List.of(digits(CALLED_TN)), iat.getEpochSecond(), java.util.UUID.randomUUID().toString());
            return PassportSigner.identityHeader(jws, x5u);
        }
    }

    /** A PASSporT really signed by the carrier: {@code origTn} → {@link #CALLED_TN}, certificate at {@code x5u}. */
    static String identity(String origTn, String x5u) {
        return PKI.sign(origTn, x5u, Instant.now());
    }

    /** The protected number, signed A by its carrier (the same value within one test). */
    static String genuine() {
        PKI.refresh();
        return PKI.genuine;
    }

    /** Signed (validly) for another number, presented with the protected one: the spoof (SHK-06). */
    static String spoofed() {
        PKI.refresh();
        return PKI.spoofed;
    }

    /** A fresh PASSporT from the agency's own carrier with attestation {@code attest}. */
    static String signedByCarrier(String origTn, String attest) {
        return PKI.sign(PKI.carrier, origTn, GENUINE_X5U, attest, Instant.now());
    }

    /** A fresh, valid A-attested PASSporT from a carrier the agency does not use. */
    static String signedByOtherCarrier(String origTn) {
        return PKI.sign(PKI.otherCarrier, origTn, OTHER_CARRIER_X5U, "A", Instant.now());
    }

    static String malformed() {
        return "this-is-not-a-jws;info=<https://cert.example/a.pem>";
    }

    /** A header whose certificate is on a server (on loopback) that accepts and then never answers. */
    static String slowCertificate(int port) {
        return identity(PROTECTED_TN, "https://127.0.0.1:" + port + "/shaken.pem");
    }

    /**
     * The real pipeline, built on first use from a configuration file written here: trust anchors and the
     * pinned carrier certificate from the test PKI; loopback cert servers on any port allowed (for the
     * hanging-server scenario only); the protected number with a policy that rejects failures and tags
     * infrastructure errors; the audit log in a temporary directory; no metrics endpoint.
     */
    synchronized CallScreener screener() {
        if (service == null) {
            try {
                dir = Files.createTempDirectory("stirshield-agi");
                Files.writeString(dir.resolve("policy.yaml"), policyYaml(AGENCY));
                Path config = dir.resolve("stirshield.yaml");
                Files.writeString(config, """
                        verification:
                          trust_dir: "%s"
                        certificates:
                          allowed_ports: any
                          permit_cidrs: ["127.0.0.1/32"]
                          connect_timeout: 5s
                          fetch_timeout: 5s
                          pinned:
                            "%s": "%s"
                            "%s": "%s"
                        policy:
                          file: "%s"
                          watch: false
                        audit:
                          file: "%s"
                        metrics:
                          enabled: false
                        signing:
                          key_file: "%s"
                          x5u: "%s"
                          attest: A
                        """.formatted(PKI.files.resolve("trust"), GENUINE_X5U, PKI.files.resolve("carrier.pem"),
                        OTHER_CARRIER_X5U, PKI.files.resolve("other-carrier.pem"), dir.resolve("policy.yaml"),
                        dir.resolve("audit.jsonl"), PKI.files.resolve("carrier-key.pem"), GENUINE_X5U));
                service = StirShieldService.start(new StirShieldService.Options(config, ConfigValues.readYaml(config),
                        null, null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new ForwardingScreener(service.screener()) {
            @Override
            public Decision screen(CallAttempt call, Deadline deadline) {
                return seen(call, real.screen(call, deadline));
            }

            @Override
            public Decision screen(CallAttempt call, Deadline deadline, BooleanSupplier claimAnswer) {
                return seen(call, real.screen(call, deadline, claimAnswer));
            }

            /** Seen once decided: a first attempt on the server's loop that needed a wait (WouldBlock) is not a call. */
            private Decision seen(CallAttempt call, Decision d) {
                seen.add(call);
                return d;
            }

            /** This wrapper only watches: the server decides on its event loop as with the real pipeline. */
            @Override
            public boolean marksItsWaits() {
                return real.marksItsWaits();
            }

            @Override
            public Decision decideUnverified(CallAttempt call, Reason reason, String detail) {
                unverified.add(reason);
                return real.decideUnverified(call, reason, detail);
            }
        };
    }

    /** The test policy: the protected number owned by {@code agency}, and the inbound-only hotline. */
    static String policyYaml(String agency) {
        return """
                reject_sip_code: 603
                policies:
                  government:
                    min_attest: A
                    allowed_signers: {spc: ["1234"]}
                    deny_trunks: [from-intl-gw]
                    on_failure: reject
                    on_missing_identity: reject
                    on_infrastructure_error: tag
                    tag: "[UNVERIFIED] "
                    verified_name: true
                  hotline:
                    inbound_only: true
                protected:
                  - number: "%s"
                    agency: '%s'
                    policy: government
                  - number: "%s"
                    agency: '%s'
                    policy: hotline
                """.formatted(PROTECTED_TN, agency, INBOUND_ONLY_TN, HOTLINE_AGENCY);
    }

    /** The policy file the service watches (see {@link #service()}). */
    Path policyFile() {
        return dir.resolve("policy.yaml");
    }

    /** The running service (after {@link #screener()}). */
    StirShieldService service() {
        return service;
    }

    /**
     * Waits until {@code n} audit records are on disk, then a little longer, and returns them all (so that a
     * test can assert there is no second record for a call).
     */
    List<String> auditLinesSettled(int n) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (auditLines().size() < n && System.nanoTime() - end < 0) {
            Thread.sleep(10);
        }
        Thread.sleep(300);
        return auditLines();
    }

    /** The audit records written so far (after {@link #close()}: all of them). */
    List<String> auditLines() throws IOException {
        Path f = dir.resolve("audit.jsonl");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    @Override
    public synchronized void close() {
        if (service != null) {
            service.close();
        }
    }

    /** The agency's name as a caller name: policy removes quotes and backslashes from caller names. */
    static final String AGENCY_CALLER_NAME = AGENCY.replace("\"", "");

    /** The variables Asterisk must end up with for a call from the protected number, by outcome. */
    static Map<String, String> expectedPass() {
        return ordered("STIR_STATUS", "PASS", "STIR_ACTION", "allow", "STIR_ATTEST", "A",
                "STIR_VERSTAT", "TN-Validation-Passed", "STIR_SIP_CODE", "", "STIR_REASON", "verified",
                "STIR_AGENCY", AGENCY, "STIR_CALLER_NAME", AGENCY_CALLER_NAME, "CALLERID(name)", AGENCY_CALLER_NAME);
    }

    static Map<String, String> expectedReject(String status, String verstat, String reason, int sip) {
        return ordered("STIR_STATUS", status, "STIR_ACTION", "reject", "STIR_ATTEST", "", "STIR_VERSTAT", verstat,
                "STIR_SIP_CODE", Integer.toString(sip), "STIR_REASON", reason, "STIR_AGENCY", AGENCY);
    }

    static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static String digits(String tn) {
        return tn == null ? "" : tn.replaceAll("[^0-9]", "");
    }

    static Duration seconds(int s) {
        return Duration.ofSeconds(s);
    }
}
