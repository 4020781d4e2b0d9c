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
    private final List<Path> origins;
    private final Set<TrustAnchor> anchors;

    private TrustAnchors(List<X509Certificate> certificates) {
        this(certificates, java.util.Collections.nCopies(certificates.size(), null));
    }

    private TrustAnchors(List<X509Certificate> certificates, List<Path> origins) {
        this.certificates = List.copyOf(certificates);
        this.origins = new ArrayList<>(origins);
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
        List<Path> from = new ArrayList<>();
        for (Path f : files) {
            if (Files.size(f) > 1024 * 1024) {
                throw new IOException("trust anchors: file too large: " + f);
            }
            try {
                List<X509Certificate> in = CertificateChains.parse(Files.readAllBytes(f), 1000);
                certs.addAll(in);
                from.addAll(java.util.Collections.nCopies(in.size(), f.toAbsolutePath().normalize()));
            } catch (CredentialException e) {
                throw new IOException("trust anchors: " + f.toAbsolutePath().normalize() + ": " + e.getMessage());
            }
        }
        return new TrustAnchors(certs, from);
    }

    /** Several sources together. */
    public TrustAnchors plus(TrustAnchors other) {
        List<X509Certificate> all = new ArrayList<>(certificates);
        all.addAll(other.certificates);
        List<Path> from = new ArrayList<>(origins);
        from.addAll(other.origins);
        return new TrustAnchors(all, from);
    }

    /**
     * Why each anchor that cannot anchor a chain at {@code now} is unusable ({@code /etc/stirshield/trust/x.pem:
     * CN=...: expired 2024-01-01T00:00:00Z}): outside its validity, or not a CA certificate (basicConstraints
     * CA:TRUE, keyCertSign when keyUsage is present). Empty when every anchor is usable.
     */
    public List<String> unusable(java.time.Instant now) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < certificates.size(); i++) {
            X509Certificate c = certificates.get(i);
            String why = null;
            if (c.getNotAfter().toInstant().isBefore(now)) {
                why = "expired " + c.getNotAfter().toInstant();
            } else if (c.getNotBefore().toInstant().isAfter(now)) {
                why = "not valid before " + c.getNotBefore().toInstant();
            } else if (c.getBasicConstraints() < 0) {
                why = "not a CA certificate (no basicConstraints CA:TRUE): a leaf or end-entity certificate";
            } else if (c.getKeyUsage() != null && !c.getKeyUsage()[5]) {
                why = "its keyUsage lacks keyCertSign";
            }
            if (why != null) {
                Path f = origins.get(i);
                out.add((f == null ? "" : f + ": ") + c.getSubjectX500Principal().getName() + ": " + why);
            }
        }
        return out;
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
