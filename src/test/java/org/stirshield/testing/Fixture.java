package org.stirshield.testing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.stirshield.cert.CredentialValidator;
import org.stirshield.cert.CrlSource;
import org.stirshield.cert.LocalCertificateSource;
import org.stirshield.cert.RevocationMode;
import org.stirshield.cert.TrustAnchors;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;
import org.stirshield.verify.Verifier;
import org.stirshield.verify.VerifierSettings;

/** A test STI PKI (root → intermediate → leaf) and a verifier serving x5u URLs from memory. */
public final class Fixture {
    public static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    public static final long IAT = NOW.getEpochSecond();
    public static final String X5U = "https://cert.example.net/sp.pem";
    public static final String CALLER = "12155550100";
    public static final String CALLED = "12155550199";

    public final TestPki.Issued root = TestPki.root("Test STI-CA Root", Instant.parse("2020-01-01T00:00:00Z"), Instant.parse("2045-01-01T00:00:00Z"));
    public final TestPki.Issued ca = TestPki.intermediate(root, "Test STI-CA Issuing", Instant.parse("2020-01-01T00:00:00Z"), Instant.parse("2044-01-01T00:00:00Z"));
    public final TestPki.Issued leaf;
    public final Map<String, byte[]> served = new HashMap<>();

    public Fixture() {
        this(new TestPki.LeafSpec());
    }

    public Fixture(TestPki.LeafSpec spec) {
        leaf = TestPki.leaf(ca, spec);
        serve(X5U, leaf, ca);
    }

    public void serve(String url, TestPki.Issued leafCert, TestPki.Issued... chain) {
        Object[] certs = new Object[chain.length + 1];
        certs[0] = leafCert.cert();
        for (int i = 0; i < chain.length; i++) {
            certs[i + 1] = chain[i].cert();
        }
        served.put(url, TestPki.pem(certs).getBytes(StandardCharsets.US_ASCII));
    }

    public CredentialValidator validator() {
        return new CredentialValidator(TrustAnchors.of(List.of(root.cert())), CrlSource.none(), RevocationMode.IF_AVAILABLE);
    }

    public Verifier verifier() {
        return verifier(VerifierSettings.defaults());
    }

    public Verifier verifier(VerifierSettings settings) {
        return Verifier.create(settings, new LocalCertificateSource(served, validator(), null));
    }

    public static String shakenHeader(String x5u) {
        return "{\"alg\":\"ES256\",\"ppt\":\"shaken\",\"typ\":\"passport\",\"x5u\":\"" + x5u + "\"}";
    }

    public static String claims(String attest, String orig, String dest, long iat) {
        return "{\"attest\":\"" + attest + "\",\"dest\":{\"tn\":[\"" + dest + "\"]},\"iat\":" + iat
                + ",\"orig\":{\"tn\":\"" + orig + "\"},\"origid\":\"4437c7eb-8f92-4a2e-9b1c-3f5e7a0d1c2b\"}";
    }

    /** A valid SHAKEN token for the fixture's leaf. */
    public String token() {
        return TestPki.sign(shakenHeader(X5U), claims("A", CALLER, CALLED, IAT), leaf.key());
    }

    public String token(String header, String claims) {
        return TestPki.sign(header, claims, leaf.key());
    }

    public static String identity(String token) {
        return token + ";info=<" + X5U + ">;alg=ES256;ppt=shaken";
    }

    public Verdict verify(String... identityHeaders) {
        return verifier().verify(CallAttempt.of(CALLER, CALLED, List.of(identityHeaders)), NOW);
    }
}
