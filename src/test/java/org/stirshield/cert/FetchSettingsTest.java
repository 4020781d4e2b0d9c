package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@code certificates:} section: every key, its default, and refusal of nonsense at startup. */
class FetchSettingsTest {

    @Test
    void defaultsAreTheSafeProductionValues() {
        FetchSettings s = FetchSettings.defaults();
        assertFalse(s.allowHttp());
        assertEquals(Set.of(443, 8443), s.allowPorts());
        assertTrue(s.permitCidrs().isEmpty());
        assertEquals(Duration.ofSeconds(1), s.connectTimeout());
        assertEquals(Duration.ofSeconds(2), s.fetchTimeout());
        assertEquals(16 * 1024, s.maxBodyBytes());
        assertEquals(0, s.maxRedirects());
        assertEquals(10_000, s.cache().maxEntries());
        assertEquals(Duration.ofHours(24), s.cache().minTtl());
        assertEquals(Duration.ofSeconds(30), s.cache().negativeTtl());
        assertNull(s.cache().dir());
        assertTrue(s.crl().failWhenUnavailable());
        assertEquals(RevocationMode.REQUIRE, CertificateSources.revocationMode(s));
    }

    @Test
    void everyKeyIsRead() throws Exception {
        FetchSettings s = FetchSettings.from(FetchTestSupport.yaml("""
                allow_http: true
                allowed_ports: [443, 9443]
                permit_cidrs: ["10.20.0.0/16"]
                deny_cidrs: ["10.20.30.0/24"]
                connect_timeout: 500ms
                fetch_timeout: 1500ms
                max_body_bytes: 32KiB
                max_redirects: 1
                max_concurrent_fetches: 4
                max_fetches_per_host: 2
                protected_reserved_fetches: 1
                tls_ca_file: /etc/stirshield/tls-ca.pem
                cache: {max_entries: 100, max_weight: 1MiB, min_ttl: 1h, max_ttl: 2d, negative_ttl: 10s,
                        refresh_ahead: 5m, dir: /var/cache/stirshield}
                pinned: {"https://cert.example.org/a.pem": /etc/stirshield/a.pem}
                crl: {on_unavailable: ignore, max_bytes: 256KiB, min_ttl: 10m}
                """));
        assertTrue(s.allowHttp());
        assertEquals(Set.of(443, 9443), s.allowPorts());
        assertEquals(List.of("10.20.0.0/16"), s.permitCidrs());
        assertEquals(List.of("10.20.30.0/24"), s.denyCidrs());
        assertEquals(Duration.ofMillis(500), s.connectTimeout());
        assertEquals(Duration.ofMillis(1500), s.fetchTimeout());
        assertEquals(32 * 1024, s.maxBodyBytes());
        assertEquals(1, s.maxRedirects());
        assertEquals(4, s.maxConcurrentFetches());
        assertEquals(2, s.maxFetchesPerHost());
        assertEquals(1, s.protectedReservedFetches());
        FetchSettings d = FetchSettings.defaults();
        assertEquals(8, d.maxFetchesPerHost());
        assertEquals(8, d.protectedReservedFetches(), "a quarter of the 32 slots for protected callers");
        assertEquals(Path.of("/etc/stirshield/tls-ca.pem"), s.tlsCaFile());
        assertEquals(new FetchSettings.Cache(100, 1024 * 1024, Duration.ofHours(1), Duration.ofDays(2),
                Duration.ofSeconds(10), Duration.ofMinutes(5), Path.of("/var/cache/stirshield")), s.cache());
        assertEquals(Path.of("/etc/stirshield/a.pem"), s.pinned().get("https://cert.example.org/a.pem"));
        assertEquals(new FetchSettings.Crl(false, 256 * 1024, Duration.ofMinutes(10)), s.crl());
        assertEquals(Set.of(), FetchSettings.from(FetchTestSupport.yaml("allowed_ports: '*'")).allowPorts());
    }

    @Test
    void relativePathsResolveAgainstTheConfigDirectory(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path etc = dir.resolve("etc/stirshield");
        java.nio.file.Files.createDirectories(etc);
        java.nio.file.Files.writeString(etc.resolve("stirshield.yaml"), """
                certificates:
                  tls_ca_file: tls/ca.pem
                  cache: {dir: ../../var/cache}
                  pinned: {"https://a.example/a.pem": pins/a.pem, "https://b.example/b.pem": /abs/b.pem}
                """);
        FetchSettings s = FetchSettings.from(org.stirshield.config.ConfigValues.section(
                org.stirshield.config.ConfigValues.readYaml(etc.resolve("stirshield.yaml")), "certificates"));
        assertEquals(etc.resolve("tls/ca.pem"), s.tlsCaFile());
        assertEquals(dir.resolve("var/cache"), s.cache().dir());
        assertEquals(etc.resolve("pins/a.pem"), s.pinned().get("https://a.example/a.pem"));
        assertEquals(Path.of("/abs/b.pem"), s.pinned().get("https://b.example/b.pem"));
    }

    @Test
    void nonsenseFailsAtStartup() {
        for (String bad : List.of("max_redirects: 2", "permit_cidrs: [\"internal.example/8\"]", "deny_cidrs: [\"10.0.0.0/40\"]",
                "crl: {on_unavailable: maybe}", "fetch_timeout: 0ms", "allowed_ports: [0]", "allowed_ports: []",
                "cache: {min_ttl: 2d, max_ttl: 1d}", "max_body_bytes: 1GiB", "connect_timeout: soon",
                "max_fetches_per_host: 0", "protected_reserved_fetches: 32", "protected_reserved_fetches: -1")) {
            assertThrows(IllegalArgumentException.class, () -> FetchSettings.from(FetchTestSupport.yaml(bad)), bad);
        }
    }
}
