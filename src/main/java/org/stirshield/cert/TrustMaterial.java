package org.stirshield.cert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.stirshield.config.ConfigValues;

/**
 * What certificate validation trusts, read from files as one set: the STI-CA roots
 * ({@code verification.trust_dir}), the preloaded CRLs ({@code verification.crl_files}) and the pinned x5u
 * certificates ({@code certificates.pinned}). Loaded completely or not at all, so that a SIGHUP reload can
 * swap the whole set in one step or keep the old one ({@link CachedCertificateSource#replaceTrust}).
 *
 * @param trustDir where the anchors came from (absolute)
 * @param anchors the roots (none when {@code trustDir} does not exist)
 * @param crls the preloaded CRLs
 * @param pinned x5u URL → the chain its PEM file holds
 */
public record TrustMaterial(Path trustDir, TrustAnchors anchors, FileCrlSource crls,
        Map<String, List<X509Certificate>> pinned) {

    public TrustMaterial {
        pinned = Map.copyOf(pinned);
    }

    /**
     * Reads every file. Errors name the key, the absolute path and why (an IllegalArgumentException whose
     * message starts with the key, so that {@link ConfigValues#locate} can add the configuration's line).
     */
    public static TrustMaterial load(Path trustDir, List<Path> crlFiles, Map<String, Path> pinned) {
        Path dir = trustDir.toAbsolutePath().normalize();
        TrustAnchors anchors;
        try {
            anchors = Files.exists(dir) ? TrustAnchors.load(dir) : TrustAnchors.empty();
        } catch (IOException e) {
            throw new IllegalArgumentException("verification.trust_dir: " + e.getMessage()
                    .replaceFirst("^trust anchors: ", ""), e); // names the file
        }
        for (Path f : crlFiles) {
            Path abs = f.toAbsolutePath().normalize();
            if (!Files.isRegularFile(abs) || !Files.isReadable(abs)) {
                throw new IllegalArgumentException("verification.crl_files: " + abs + ": cannot read: "
                        + (Files.exists(abs) ? (Files.isDirectory(abs) ? "a directory" : "permission denied")
                        : "no such file"));
            }
        }
        FileCrlSource crls;
        try {
            crls = FileCrlSource.load(crlFiles.stream().map(p -> p.toAbsolutePath().normalize()).toList());
        } catch (IOException e) {
            throw new IllegalArgumentException("verification.crl_files: " + e.getMessage(), e);
        }
        return new TrustMaterial(dir, anchors, crls, CertificateSources.readPinned(pinned));
    }

    /** Problems that leave the anchors unable to validate anything: none at all, or none usable now. */
    public List<String> anchorProblems(java.time.Instant now) {
        if (anchors.isEmpty()) {
            return List.of("verification.trust_dir: " + trustDir + (Files.exists(trustDir) ? " holds no STI-CA root "
                    + "certificate (.pem, .crt, .cer, .der)" : " does not exist") + ": every signed call will fail "
                    + "with 437 untrusted_chain. Install the STI-PA's trusted STI-CA roots there.");
        }
        List<String> bad = anchors.unusable(now);
        if (bad.size() == anchors.size()) {
            return bad.stream().map(b -> "verification.trust_dir: no usable root: " + b).toList();
        }
        return List.of();
    }
}
