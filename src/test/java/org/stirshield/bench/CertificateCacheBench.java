package org.stirshield.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.stirshield.cert.CachedCertificateSource;
import org.stirshield.cert.CertServer;
import org.stirshield.cert.CertificateEvents;
import org.stirshield.cert.CertificateSources;
import org.stirshield.cert.Credential;
import org.stirshield.cert.CredentialValidator;
import org.stirshield.cert.CrlSource;
import org.stirshield.cert.Deadline;
import org.stirshield.cert.FetchSettings;
import org.stirshield.cert.RevocationMode;
import org.stirshield.cert.TestTls;
import org.stirshield.cert.TrustAnchors;
import org.stirshield.sign.CertificateAuthority;
import org.stirshield.sign.LeafCertificate;
import org.stirshield.sign.LeafSpec;

/**
 * The production x5u source ({@link CertificateSources#production}) against a real HTTPS server on
 * loopback: {@code hit} is one call answered from the cache (lookup + core's per-call
 * {@code checkValidAt}); {@code coldFetch} is one call for a URL never seen (resolve, guard, GET on
 * a kept-alive connection, PEM parse, PKIX path validation, cache insert); {@code coldFetchNewConnection}
 * the same with a new TCP connection and full TLS handshake each time (the server closes). Run with
 * {@code scripts/bench CertificateCacheBench}.
 */
@State(Scope.Benchmark)
public class CertificateCacheBench {
    private CertServer server;
    private CachedCertificateSource source;
    private String hotUrl;
    private final AtomicLong cold = new AtomicLong();
    private final AtomicLong fresh = new AtomicLong();
    private final Instant now = Instant.now();

    @Setup(Level.Trial)
    public void setup() throws Exception {
        TestTls tls = new TestTls();
        Path dir = Files.createTempDirectory("certbench");
        Path ca = tls.writeCa(dir);
        CertificateAuthority root = CertificateAuthority.root("Bench STI-CA Root");
        LeafCertificate leaf = root.intermediate("Bench STI-CA Issuing").issueLeaf(LeafSpec.spc("1234"));
        byte[] pem = leaf.chainPem().getBytes(StandardCharsets.US_ASCII);
        server = CertServer.https(tls);
        server.on("/", CertServer.body(pem)); // every path serves the chain (keep-alive)
        server.on("/fresh/", CertServer.body(pem, "Connection", "close")); // new TCP + TLS handshake each time
        FetchSettings s = FetchSettings.from(new ObjectMapper(new YAMLFactory()).readTree("""
                permit_cidrs: ["127.0.0.0/8", "::1/128"]
                allowed_ports: [%d]
                tls_ca_file: "%s"
                fetch_timeout: 10s
                connect_timeout: 5s
                """.formatted(server.port(), ca)));
        CredentialValidator v = new CredentialValidator(TrustAnchors.of(List.of(root.certificate())), CrlSource.none(),
                RevocationMode.IF_AVAILABLE);
        source = CertificateSources.production(s, v, CertificateEvents.NONE);
        hotUrl = server.url("localhost", "/hot.pem");
        source.credential(hotUrl, now, Deadline.in(Duration.ofSeconds(30)));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.println("\nstats: " + source.stats());
        source.close();
        server.close();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Credential hit() throws Exception {
        return source.credential(hotUrl, now, Deadline.in(Duration.ofSeconds(1)));
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Credential coldFetch() throws Exception {
        return source.credential(server.url("localhost", "/cold/" + cold.incrementAndGet() + ".pem"), now,
                Deadline.in(Duration.ofSeconds(5)));
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Credential coldFetchNewConnection() throws Exception {
        return source.credential(server.url("localhost", "/fresh/" + fresh.incrementAndGet() + ".pem"), now,
                Deadline.in(Duration.ofSeconds(5)));
    }
}
