package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RCD content (RFC 9795) fetched from a real HTTPS server on loopback through the guarded fetcher is counted like
 * certificate and CRL fetches: one {@link CertificateEvents#fetched} of type RCD per fetch from the network, with
 * its result; answers from the cache (good or remembered failure) are not fetches.
 */
class ContentFetchEventsTest {
    @TempDir
    Path dir;

    @Test
    void eachFetchIsReportedOnceWithItsResult() throws Exception {
        byte[] logo = "logo-bytes".getBytes(StandardCharsets.US_ASCII);
        TestTls tls = new TestTls();
        try (CertServer server = CertServer.https(tls)
                .on("/logo.png", CertServer.body(logo))
                .on("/missing.png", CertServer.status(404))
                .on("/big.png", CertServer.body(new byte[200_000]))) {
            Path ca = tls.writeCa(dir);
            FetchSettings fs = FetchSettings.from(new ObjectMapper(new YAMLFactory()).readTree("""
                    permit_cidrs: ["127.0.0.0/8", "::1/128"]
                    allowed_ports: [%d]
                    tls_ca_file: "%s"
                    connect_timeout: 3s
                    fetch_timeout: 5s
                    """.formatted(server.port(), ca)));
            List<String> seen = new CopyOnWriteArrayList<>();
            CertificateEvents events = new CertificateEvents() {
                @Override
                public void fetched(Fetch what, CredentialFailure failure, Duration latency) {
                    seen.add(what + ":" + (failure == null ? "ok" : failure.name()));
                }
            };
            try (CachedContentSource content = CertificateSources.content(fs, 64 * 1024, 1024 * 1024, events)) {
                Deadline d = Deadline.in(Duration.ofSeconds(10));
                assertArrayEquals(logo, content.content(server.url("localhost", "/logo.png"), d));
                assertArrayEquals(logo, content.content(server.url("localhost", "/logo.png"), d)); // cached
                for (int i = 0; i < 2; i++) { // the second answer is the remembered failure
                    assertEquals(CredentialFailure.HTTP_STATUS, assertThrows(CredentialException.class,
                            () -> content.content(server.url("localhost", "/missing.png"), d)).failure());
                }
                assertEquals(CredentialFailure.TOO_LARGE, assertThrows(CredentialException.class,
                        () -> content.content(server.url("localhost", "/big.png"), d)).failure());
            }
            assertEquals(List.of("RCD:ok", "RCD:HTTP_STATUS", "RCD:TOO_LARGE"), seen);
            assertEquals(1, server.count("/logo.png"));
            assertEquals(1, server.count("/missing.png"));
        }
    }
}
