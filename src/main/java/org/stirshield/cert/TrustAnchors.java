package org.stirshield.cert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The configured STI-CA roots (CRT-03): PEM or DER certificates read from a directory (every regular
 * file ending in .pem, .crt, .cer or .der; a PEM file may hold several) or from single files.
 */
public final class TrustAnchors {
    private final List<X509Certificate> certificates;
    private final Set<TrustAnchor> anchors;

    private TrustAnchors(List<X509Certificate> certificates) {
        this.certificates = List.copyOf(certificates);
        Set<TrustAnchor> a = new LinkedHashSet<>();
        for (X509Certificate c : certificates) {
            a.add(new TrustAnchor(c, null));
        }
        this.anchors = Set.copyOf(a);
    }

    /** Anchors from certificates already in memory. */
    public static TrustAnchors of(Collection<X509Certificate> roots) {
        return new TrustAnchors(new ArrayList<>(roots));
    }

    /** No anchors at all: every chain is untrusted. */
    public static TrustAnchors empty() {
        return new TrustAnchors(List.of());
    }

    /**
     * Loads every certificate file in {@code dirOrFile} (a directory, not recursive, or one file).
     *
     * @throws IOException when the path does not exist or a file cannot be read or parsed
     */
    public static TrustAnchors load(Path dirOrFile) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dirOrFile)) {
            try (Stream<Path> s = Files.list(dirOrFile)) {
                s.filter(Files::isRegularFile)
                        .filter(p -> p.getFileName().toString().matches("(?i).*\\.(pem|crt|cer|der)$"))
                        .sorted()
                        .forEach(files::add);
            }
        } else if (Files.isRegularFile(dirOrFile)) {
            files.add(dirOrFile);
        } else {
            throw new IOException("trust anchors: no such file or directory: " + dirOrFile);
        }
        List<X509Certificate> certs = new ArrayList<>();
        for (Path f : files) {
            if (Files.size(f) > 1024 * 1024) {
                throw new IOException("trust anchors: file too large: " + f);
            }
            try {
                certs.addAll(CertificateChains.parse(Files.readAllBytes(f), 1000));
            } catch (CredentialException e) {
                throw new IOException("trust anchors: " + f + ": " + e.getMessage());
            }
        }
        return new TrustAnchors(certs);
    }

    /** Several sources together. */
    public TrustAnchors plus(TrustAnchors other) {
        List<X509Certificate> all = new ArrayList<>(certificates);
        all.addAll(other.certificates);
        return new TrustAnchors(all);
    }

    public List<X509Certificate> certificates() {
        return certificates;
    }

    public Set<TrustAnchor> anchors() {
        return anchors;
    }

    public boolean isEmpty() {
        return certificates.isEmpty();
    }

    public int size() {
        return certificates.size();
    }
}
