package org.stirshield.fuzz;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.stirshield.agi.AgiClient;
import org.stirshield.testing.Fixture;
import org.stirshield.testing.TestPki;

/**
 * Writes the fuzz targets' seed corpus into src/test/resources (the directories Jazzer reads: one per target,
 * {@code <package>/<Class>Inputs/<method>/}) from the test PKI's real tokens, certificates, TNAuthLists and CRLs and
 * the shipped sample configuration. Seeds are committed; regenerate with {@code scripts/fuzz --seeds} after a
 * format changes. Files named {@code seed-*} are replaced; crash inputs Jazzer saved there are kept.
 */
public final class SeedCorpus {
    private SeedCorpus() {
    }

    public static void main(String[] args) throws IOException {
        Path resources = Path.of(args.length > 0 ? args[0] : "src/test/resources");
        Path fuzz = resources.resolve("org/stirshield/fuzz");
        Fixture f = new Fixture();
        String token = f.token();
        String identity = Fixture.identity(token);
        String compact = ".." + token.substring(token.lastIndexOf('.') + 1) + ";info=<" + Fixture.X5U + ">;alg=ES256";
        String dup = f.token("{\"alg\":\"ES256\",\"alg\":\"ES256\",\"typ\":\"passport\",\"x5u\":\"" + Fixture.X5U + "\"}",
                Fixture.claims("A", Fixture.CALLER, Fixture.CALLED, Fixture.IAT));
        String quoted = token + " ; info=<" + Fixture.X5U + "> ; ppt=\"shaken\" ; alg=ES256 ; x-extra=1";

        Path p = fuzz.resolve("PassportFuzzTestInputs");
        write(p.resolve("identityHeader"), "identity", identity, "compact", compact, "quoted", quoted);
        write(p.resolve("passportToken"), "token", token, "duplicate-member", dup);
        write(p.resolve("verifyCall"), "identity", identity, "compact", compact, "quoted", quoted,
                "duplicate-member", Fixture.identity(dup));

        Path c = fuzz.resolve("CertificateFuzzTestInputs");
        TestPki.LeafSpec ranges = new TestPki.LeafSpec().range("12155550000", 100).number("12155550199");
        write(c.resolve("tnAuthList"), "spc", TestPki.tnAuthList(new TestPki.LeafSpec()), "ranges-and-one",
                TestPki.tnAuthList(ranges));
        TestPki.Issued revoked = TestPki.leaf(f.ca, new TestPki.LeafSpec());
        write(c.resolve("certificateChain"), "chain-pem", f.served.get(Fixture.X5U),
                "leaf-der", encoded(f.leaf), "full-chain-pem", TestPki.pem(f.leaf.cert(), f.ca.cert(), f.root.cert()));
        var crl = TestPki.crl(f.ca, Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2027-01-01T00:00:00Z"),
                revoked.cert().getSerialNumber());
        try {
            write(c.resolve("crl"), "crl-der", crl.getEncoded(), "crl-pem", TestPki.pem(crl));
        } catch (java.security.cert.CRLException e) {
            throw new IOException(e);
        }

        Path pol = fuzz.resolve("PolicyFuzzTestInputs");
        String policy = Files.readString(Path.of("asterisk-conf/policy.yaml")).replaceAll("(?ms)^csv:.*", "");
        String csv = Files.readString(Path.of("asterisk-conf/policy-numbers.csv"))
                .replaceAll("foreign-ministry|provincial-department|anti-fraud-callout", "agency")
                .replaceAll("inbound-service|consular-hotline", "hotline");
        write(pol.resolve("policyYaml"), "sample-policy", policy, "embedded-default",
                Files.readString(Path.of("src/main/resources/org/stirshield/policy/default-policy.yaml")));
        write(pol.resolve("numbersCsv"), "sample-numbers", csv);

        write(fuzz.resolve("ConfigFuzzTestInputs/stirshieldYaml"), "sample-config",
                Files.readString(Path.of("asterisk-conf/stirshield.yaml")));

        InetSocketAddress server = new InetSocketAddress("127.0.0.1", 4573);
        AgiClient.Call signed = AgiClient.call(server, "verify", "+12155550100", "+12155550199", "from-carrier",
                List.of(identity));
        AgiClient.Call unsigned = AgiClient.call(server, "verify", "+12155550100", "+12155550199", "from-carrier",
                List.of(""));
        AgiClient.Call overrides = AgiClient.call(server, "verify", "unknown", "unknown", "from-carrier",
                List.of("caller=+12155550100", "called=+12155550199", "date=Mon", " 23 Nov 2026 10:00:00 GMT", identity));
        write(resources.resolve("org/stirshield/agi/AgiRequestFuzzTestInputs/environmentBlock"),
                "signed", AgiClient.environmentBlock(signed), "unsigned", AgiClient.environmentBlock(unsigned),
                "overrides", AgiClient.environmentBlock(overrides));
        System.out.println("seed corpus written under " + resources.toAbsolutePath());
    }

    private static byte[] encoded(TestPki.Issued i) {
        try {
            return i.cert().getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code seed-<name>} files (name, content pairs: String or byte[]) into {@code dir}. */
    private static void write(Path dir, Object... namesAndContents) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i + 1 < namesAndContents.length; i += 2) {
            Object v = namesAndContents[i + 1];
            byte[] bytes = v instanceof byte[] b ? b : v.toString().getBytes(StandardCharsets.UTF_8);
            Files.write(dir.resolve("seed-" + namesAndContents[i]), bytes);
        }
    }
}
