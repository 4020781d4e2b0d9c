package org.stirshield.cert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optional persistent cache ({@code certificates.cache.dir}): one small JSON file per x5u URL,
 * named by the SHA-256 of the URL, holding the URL, the PEM chain and when it expires. Written to a
 * temporary file and moved into place with ATOMIC_MOVE, so a reader never sees half a file. Anything
 * unreadable, oversized, for another URL, or expired is deleted and logged. What is read back is
 * only bytes: the cache re-validates it exactly like a fresh fetch.
 */
final class DiskCache {
    private static final Logger LOG = LoggerFactory.getLogger(DiskCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    record Stored(List<X509Certificate> chain, Instant expires) {
    }

    private final Path dir;
    private final long maxFileBytes;

    DiskCache(Path dir, long maxBodyBytes) {
        this.dir = dir;
        this.maxFileBytes = maxBodyBytes * 2 + 4096;
        try {
            Files.createDirectories(dir);
            try (DirectoryStream<Path> tmp = Files.newDirectoryStream(dir, "*.tmp")) {
                for (Path p : tmp) {
                    Files.deleteIfExists(p); // left over from a crash mid-write
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("certificates.cache.dir " + dir + ": " + e.getMessage(), e);
        }
    }

    Path fileFor(String url) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(h) + ".json");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Optional<Stored> read(String url, Instant now) {
        Path f = fileFor(url);
        try {
            if (!Files.isRegularFile(f)) {
                return Optional.empty();
            }
            if (Files.size(f) > maxFileBytes) {
                return discard(f, "oversized");
            }
            JsonNode n = JSON.readTree(Files.readAllBytes(f));
            if (n == null || !url.equals(n.path("x5u").asText(null))) {
                return discard(f, "not for this URL");
            }
            long expires = n.path("expires").asLong(0);
            if (expires <= now.toEpochMilli()) {
                Files.deleteIfExists(f);
                return Optional.empty();
            }
            List<X509Certificate> chain = CertificateChains.parse(n.path("chain").asText("").getBytes(StandardCharsets.US_ASCII));
            return Optional.of(new Stored(chain, Instant.ofEpochMilli(expires)));
        } catch (IOException | RuntimeException | CredentialException e) {
            return discard(f, "corrupt (" + e.getClass().getSimpleName() + ")");
        }
    }

    void write(String url, List<X509Certificate> chain, Instant expires) {
        Path f = fileFor(url);
        Path tmp = null;
        try {
            ObjectNode n = JSON.createObjectNode();
            n.put("v", 1);
            n.put("x5u", url);
            n.put("expires", expires.toEpochMilli());
            n.put("chain", pem(chain));
            tmp = Files.createTempFile(dir, f.getFileName().toString(), ".tmp");
            Files.write(tmp, JSON.writeValueAsBytes(n));
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            LOG.warn("certificate cache: cannot write {}: {}", f, e.toString());
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private Optional<Stored> discard(Path f, String why) {
        LOG.warn("certificate cache: ignoring and deleting {} file {}", why, f);
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            LOG.warn("certificate cache: cannot delete {}: {}", f, e.toString());
        }
        return Optional.empty();
    }

    /** PEM encoding of a chain, leaf first. */
    static String pem(List<X509Certificate> chain) {
        StringBuilder b = new StringBuilder();
        java.util.Base64.Encoder enc = java.util.Base64.getMimeEncoder(64, new byte[] {'\n'});
        for (X509Certificate c : chain) {
            try {
                b.append("-----BEGIN CERTIFICATE-----\n").append(enc.encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        return b.toString();
    }
}
