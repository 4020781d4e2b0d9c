package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.cert.RevocationMode;
import org.stirshield.config.ConfigValues;
import org.stirshield.testing.TestPki;

/** The {@code verification:} section. */
class VerifierSettingsTest {
    private static JsonNode yaml(String text) throws Exception {
        return ConfigValues.section(new ObjectMapper(new YAMLFactory()).readTree(text), "verification");
    }

    @Test
    void defaultsWhenSectionMissing() throws Exception {
        VerifierSettings s = VerifierSettings.from(yaml("other: 1"));
        assertEquals(VerifierSettings.defaults(), s);
        assertEquals("US", s.region());
        assertEquals(Duration.ofSeconds(60), s.freshness());
        assertEquals(8192, s.maxIdentityBytes());
        assertEquals(RevocationMode.IF_AVAILABLE, s.revocation());
    }

    @Test
    void everyKey() throws Exception {
        VerifierSettings s = VerifierSettings.from(yaml("""
                verification:
                  region: vn
                  trust_dir: /etc/stirshield/trust
                  crl_files: [a.crl, b.crl]
                  freshness: 90s
                  future_skew: 5s
                  max_identity_bytes: 16KiB
                  max_identity_headers: 4
                  max_tn_digits: 12
                  revocation: require
                """));
        assertEquals("VN", s.region());
        assertEquals("VN", s.canonicalizer().region());
        assertEquals(Path.of("/etc/stirshield/trust"), s.trustDir());
        assertEquals(List.of(Path.of("a.crl"), Path.of("b.crl")), s.crlFiles());
        assertEquals(Duration.ofSeconds(90), s.freshness());
        assertEquals(Duration.ofSeconds(5), s.futureSkew());
        assertEquals(16384, s.maxIdentityBytes());
        assertEquals(4, s.maxIdentityHeaders());
        assertEquals(12, s.maxTnDigits());
        assertEquals(RevocationMode.REQUIRE, s.revocation());
    }

    @Test
    void badValuesRefused() {
        assertThrows(IllegalArgumentException.class, () -> VerifierSettings.from(yaml("verification: {region: XX}")));
        assertThrows(IllegalArgumentException.class, () -> VerifierSettings.from(yaml("verification: {revocation: maybe}")));
        assertThrows(IllegalArgumentException.class, () -> VerifierSettings.from(yaml("verification: {freshness: soon}")));
        assertThrows(IllegalArgumentException.class, () -> VerifierSettings.from(yaml("verification: {max_identity_headers: 0}")));
    }

    @Test
    void credentialValidatorLoadsTrustAndCrls(@TempDir Path dir) throws Exception {
        TestPki.Issued root = TestPki.root("R", java.time.Instant.parse("2020-01-01T00:00:00Z"), java.time.Instant.parse("2040-01-01T00:00:00Z"));
        Files.writeString(dir.resolve("root.pem"), TestPki.pem(root.cert()));
        Path crl = dir.resolve("r.crl");
        Files.write(crl, TestPki.crl(root, java.time.Instant.parse("2025-01-01T00:00:00Z"), null).getEncoded());
        VerifierSettings s = VerifierSettings.defaults().withTrustDir(dir).withCrlFiles(List.of(crl));
        assertEquals(1, s.credentialValidator().anchors().size());
        assertEquals(0, VerifierSettings.defaults().withTrustDir(dir.resolve("absent")).credentialValidator().anchors().size());
    }
}
