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
import org.stirshield.config.ConfigValues;
import org.stirshield.service.CallScreener;
import org.stirshield.service.StirShieldService;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.Pem;
import org.stirshield.verify.CallAttempt;

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

    private static final Pki PKI = new Pki();

    /** Recorded by the screener: every call it was asked about. */
    final ConcurrentLinkedQueue<CallAttempt> seen = new ConcurrentLinkedQueue<>();
    private StirShieldService service;
    private Path dir;

    Scenarios() {
        PKI.refresh();
    }

    /** The test STI PKI and the PASSporTs signed with it, re-signed when they get old (TIM-01: 60 s). */
    private static final class Pki {
        final CertificateAuthority root = CertificateAuthority.root("AGI Test STI-CA");
        final LeafCertificate carrier = root.intermediate("AGI Test Issuing").issueLeaf(LeafSpec.spc("1234"));
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
            String jws = PassportSigner.shaken(carrier.privateKey(), x5u, "A", digits(origTn), List.of(digits(CALLED_TN)),
                    iat.getEpochSecond(), "4437c7eb-8f7a-4f0e-a863-f53a0e60251a");
            return PassportSigner.identityHeader(jws, x5u);
        }
    }

    /** A PASSporT really signed by the carrier: {@code origTn} → {@link #CALLED_TN}, certificate at {@code x5u}. */
    static String identity(String origTn, String x5u) {
        return PKI.sign(origTn, x5u, Instant.now());
    }

    /** The protected number, signed A by its carrier (the same value within one test). */
    static String genuine() {
        return PKI.genuine;
    }

    /** Signed (validly) for another number, presented with the protected one: the spoof (SHK-06). */
    static String spoofed() {
        return PKI.spoofed;
    }

    static String malformed() {
        return "this-is-not-a-jws;info=<https://cert.example/a.pem>";
    }

    /** A header whose certificate is on a server (on loopback) that never answers. */
    static String slowCertificate(int port) {
        return identity(PROTECTED_TN, "http://127.0.0.1:" + port + "/shaken.pem");
    }

    /**
     * The real pipeline, built on first use from a configuration file written here: trust anchors and the
     * pinned carrier certificate from the test PKI; http and loopback cert servers allowed (for the
     * hanging-server scenario only); the protected number with a policy that rejects failures and tags
     * infrastructure errors; the audit log in a temporary directory; no metrics endpoint.
     */
    synchronized CallScreener screener() {
        if (service == null) {
            try {
                dir = Files.createTempDirectory("stirshield-agi");
                Files.writeString(dir.resolve("policy.yaml"), """
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
                        protected:
                          - number: "%s"
                            agency: '%s'
                            policy: government
                        """.formatted(PROTECTED_TN, AGENCY));
                Path config = dir.resolve("stirshield.yaml");
                Files.writeString(config, """
                        verification:
                          trust_dir: "%s"
                        certificates:
                          allow_http: true
                          allowed_ports: any
                          permit_cidrs: ["127.0.0.1/32"]
                          connect_timeout: 5s
                          fetch_timeout: 5s
                          pinned:
                            "%s": "%s"
                        policy:
                          file: policy.yaml
                          watch: false
                        audit:
                          file: "%s"
                        metrics:
                          enabled: false
                        """.formatted(PKI.files.resolve("trust"), GENUINE_X5U, PKI.files.resolve("carrier.pem"),
                        dir.resolve("audit.jsonl")));
                service = StirShieldService.start(new StirShieldService.Options(config, ConfigValues.readYaml(config),
                        null, null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        CallScreener real = service.screener();
        return (call, deadline) -> {
            seen.add(call);
            return real.screen(call, deadline);
        };
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

    /** The variables Asterisk must end up with for a call from the protected number, by outcome. */
    static Map<String, String> expectedPass() {
        return ordered("STIR_STATUS", "PASS", "STIR_ACTION", "allow", "STIR_ATTEST", "A",
                "STIR_VERSTAT", "TN-Validation-Passed", "STIR_SIP_CODE", "", "STIR_REASON", "verified",
                "STIR_AGENCY", AGENCY, "STIR_CALLER_NAME", AGENCY, "CALLERID(name)", AGENCY);
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
