package org.stirshield.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.Pem;

/**
 * A carrier that signs calls for the multi-instance tests: a test STI-CA (its root in {@code trust/}), the
 * carrier's certificate chain in a file pinned to {@link #X5U}, and {@code stirshield.yaml} files for
 * instances that trust it.
 */
public final class SignedCarrier {
    public static final String X5U = "https://cert.carrier.example/sti.pem";
    public static final String CALLER = "+12025550123";
    public static final String CALLED = "+12155550100";

    private final Path dir;
    private final LeafCertificate leaf;

    public SignedCarrier(Path dir) throws IOException {
        this.dir = dir;
        CertificateAuthority root = CertificateAuthority.root("HA Test STI-CA");
        this.leaf = root.issueLeaf(LeafSpec.spc("4321"));
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        Files.writeString(dir.resolve("chain.pem"), leaf.chainPem());
    }

    /** A fresh Identity header value: {@link #CALLER} to {@link #CALLED}, signed now, attestation A. */
    public String identity() {
        String jws = PassportSigner.shaken(leaf.privateKey(), X5U, "A", CALLER.substring(1),
                List.of(CALLED.substring(1)), Instant.now().getEpochSecond(), UUID.randomUUID().toString());
        return PassportSigner.identityHeader(jws, X5U);
    }

    /**
     * Writes {@code name.yaml} for one instance: this carrier trusted and pinned, its audit file
     * {@code name-audit.jsonl}, metrics on any free loopback port, plus {@code extra} (YAML sections).
     */
    public Path config(String name, String extra) throws IOException {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, """
                verification: {trust_dir: "%s"}
                certificates: {pinned: {"%s": "%s"}}
                metrics: {listen: "127.0.0.1:0"}
                """.formatted(dir.resolve("trust"), X5U, dir.resolve("chain.pem")) + extra);
        return config;
    }

    /** Where instance {@code name} writes its audit records. */
    public Path audit(String name) {
        return dir.resolve(name + "-audit.jsonl");
    }
}
