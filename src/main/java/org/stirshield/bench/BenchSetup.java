package org.stirshield.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.stirshield.passport.Es256;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;
import org.stirshield.sign.PassportSigner;
import org.stirshield.sign.Pem;

/**
 * What a benchmark run needs, made in a scratch directory: a lab STI PKI (root → issuing CA → the
 * carrier's leaf with SPC 1234), a policy protecting the calling number, a stirshield.yaml for the server
 * under test (the certificate pinned for warm runs; fetched from a loopback HTTPS server for cold runs),
 * and freshly signed PASSporTs, one per call (each with its own origid: no two calls carry the same token,
 * as on a real network, so neither the replay window nor the verified-PASSporT cache short-cuts them).
 */
final class BenchSetup {
    /** The calling number: protected by the bench policy. */
    static final String CALLER = "+12025550123";
    static final String CALLED = "+12155550199";
    static final String PINNED_X5U = "https://cert.bench-carrier.example/shaken.pem";

    final Path dir;
    final CertificateAuthority root = CertificateAuthority.root("StirShield Bench STI-CA");
    final CertificateAuthority issuing = root.intermediate("StirShield Bench Issuing CA");
    final LeafCertificate carrier = issuing.issueLeaf(LeafSpec.spc("1234"));
    BenchSetup(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("trust"));
        Files.writeString(dir.resolve("trust/root.pem"), Pem.certificate(root.certificate()));
        Files.writeString(dir.resolve("carrier.pem"), carrier.chainPem());
        Files.writeString(dir.resolve("policy.yaml"), """
                version: bench
                policies:
                  agency:
                    min_attest: A
                    allowed_signers: {spc: ["1234"]}
                    on_failure: reject
                    on_missing_identity: reject
                    on_infrastructure_error: tag
                protected:
                  - number: "%s"
                    agency: "Bench Agency"
                    policy: agency
                """.formatted(CALLER));
        fastSigner(carrier.privateKey()); // fail now rather than after starting servers
    }

    /**
     * A policy file protecting {@link #CALLER} and {@code entries} more numbers (one CSV line each, a
     * thousand agencies), for the memory figure; returns it.
     */
    Path bigPolicy(int entries) throws IOException {
        Path csv = dir.resolve("numbers.csv");
        try (var w = Files.newBufferedWriter(csv)) {
            w.write("number_or_prefix,agency,policy\n");
            for (int i = 0; i < entries; i++) {
                w.write("+44 20 " + (10_000_000 + i) + ",Agency " + (i % 1000) + ",agency\n");
            }
        }
        Path policy = dir.resolve("big-policy.yaml");
        Files.writeString(policy, Files.readString(dir.resolve("policy.yaml")) + "csv:\n  - numbers.csv\n");
        return policy;
    }

    /** A PASSporT for one call, signed now on the calling thread (for runs longer than the freshness window). */
    String identityNow(String x5u, long serial) {
        try {
            Signature s = signers.get();
            if (s == null) {
                s = fastSigner(carrier.privateKey());
                signers.set(s);
            }
            long iat = Instant.now().getEpochSecond();
            String header = b64("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" + x5u + "\"}");
            String claims = b64("{\"attest\":\"A\",\"dest\":{\"tn\":[\"" + CALLED.substring(1) + "\"]},\"iat\":" + iat
                    + ",\"orig\":{\"tn\":\"" + CALLER.substring(1) + "\"},\"origid\":\"bench-now-" + iat + "-" + serial + "\"}");
            String input = header + "." + claims;
            return PassportSigner.identityHeader(input + "." + b64(sign(s, input)), x5u);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private final ThreadLocal<Signature> signers = new ThreadLocal<>();

    /**
     * The server's configuration: listening on {@code port}; the carrier's certificate pinned at
     * {@link #PINNED_X5U}, or (cold) fetched over HTTPS from loopback, trusting {@code tlsCa}.
     */
    Path config(String name, int port, Path tlsCa) throws IOException {
        return config(name, port, tlsCa, dir.resolve("policy.yaml"), 0);
    }

    /** Without the SIP request round trip ({@code server.read_sip_headers: false}): the one-round-trip dialplan. */
    Path configOneRoundTrip(String name, int port) throws IOException {
        Path f = config(name, port, null);
        Files.writeString(f, Files.readString(f).replace("  allow: [127.0.0.0/8]\n",
                "  allow: [127.0.0.0/8]\n  read_sip_headers: false\n"));
        return f;
    }

    /** As {@link #config(String, int, Path)}, with this policy file and metrics on {@code metricsPort} (0: off). */
    Path config(String name, int port, Path tlsCa, Path policy, int metricsPort) throws IOException {
        String certificates = tlsCa == null
                ? "  pinned:\n    \"" + PINNED_X5U + "\": \"" + dir.resolve("carrier.pem") + "\"\n"
                : "  tls_ca_file: \"" + tlsCa + "\"\n  allowed_ports: any\n  permit_cidrs: [\"127.0.0.0/8\"]\n"
                        + "  fetch_timeout: 2s\n";
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, """
                server:
                  listen: 127.0.0.1:%d
                  allow: [127.0.0.0/8]
                verification:
                  trust_dir: "%s"
                certificates:
                %s
                policy:
                  file: "%s"
                  watch: false
                audit:
                  file: "%s"
                metrics:
                %s
                """.formatted(port, dir.resolve("trust"), certificates.stripTrailing(), policy,
                dir.resolve(name + "-audit.jsonl"), metricsPort == 0 ? "  enabled: false"
                        : "  enabled: true\n  listen: 127.0.0.1:" + metricsPort));
        return f;
    }

    /** {@code n} Identity header values for calls {@link #CALLER} → {@link #CALLED}, signed now, all distinct. */
    List<String> identities(int n, String x5u) throws Exception {
        long iat = Instant.now().getEpochSecond();
        String header = b64("{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" + x5u + "\"}");
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        List<Future<List<String>>> parts = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                int from = t * n / threads;
                int to = (t + 1) * n / threads;
                parts.add(pool.submit(() -> {
                    Signature s = fastSigner(carrier.privateKey());
                    List<String> out = new ArrayList<>(to - from);
                    for (int i = from; i < to; i++) {
                        String claims = b64("{\"attest\":\"A\",\"dest\":{\"tn\":[\"" + CALLED.substring(1) + "\"]},\"iat\":"
                                + iat + ",\"orig\":{\"tn\":\"" + CALLER.substring(1) + "\"},\"origid\":\"bench-"
                                + iat + "-" + i + "\"}");
                        String input = header + "." + claims;
                        out.add(PassportSigner.identityHeader(input + "." + b64(sign(s, input)), x5u));
                    }
                    return out;
                }));
            }
            List<String> all = new ArrayList<>(n);
            for (Future<List<String>> p : parts) {
                all.addAll(p.get());
            }
            return all;
        }
    }

    /** One Identity header value (for a check before the run). */
    String identity(String x5u) throws Exception {
        return identities(1, x5u).get(0);
    }

    private static String b64(String json) {
        return b64(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** ES256 with the fastest provider that signs (the Amazon Corretto Crypto Provider when it loads). */
    private static Signature fastSigner(PrivateKey key) {
        for (Provider p : Es256.candidates()) {
            try {
                PrivateKey k = (PrivateKey) KeyFactory.getInstance("EC", p).translateKey(key);
                Signature s = Signature.getInstance("SHA256withECDSA", p);
                s.initSign(k);
                return s;
            } catch (java.security.GeneralSecurityException | RuntimeException e) {
                // next provider
            }
        }
        throw new IllegalStateException("no provider signs ES256");
    }

    private static byte[] sign(Signature s, String input) throws java.security.GeneralSecurityException {
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        byte[] der = s.sign();
        try {
            return com.nimbusds.jose.crypto.impl.ECDSA.transcodeSignatureToConcat(der, 64);
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new java.security.SignatureException(e);
        }
    }
}
