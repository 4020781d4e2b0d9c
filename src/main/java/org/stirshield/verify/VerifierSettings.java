package org.stirshield.verify;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.stirshield.cert.CredentialValidator;
import org.stirshield.cert.FileCrlSource;
import org.stirshield.cert.RevocationMode;
import org.stirshield.cert.TrustAnchors;
import org.stirshield.config.ConfigValues;
import org.stirshield.passport.TnCanonicalizer;

/**
 * The {@code verification:} section of stirshield.yaml. Every key is optional.
 *
 * @param region home region for TN canonicalization, ISO 3166 alpha-2 ({@code region}, default US)
 * @param trustDir directory (or file) of PEM STI-CA roots ({@code trust_dir}, default certs/trust)
 * @param crlFiles preloaded DER/PEM CRLs ({@code crl_files}, default none)
 * @param freshness how old iat may be, inclusive ({@code freshness}, default 60s, TIM-01)
 * @param futureSkew how far in the future iat may be, inclusive ({@code future_skew}, default 60s)
 * @param maxIdentityBytes longest accepted Identity value ({@code max_identity_bytes}, default 8KiB, HDR-09)
 * @param maxIdentityHeaders Identity headers checked per call; more are reported oversize and not
 *     checked ({@code max_identity_headers}, default 8)
 * @param maxTnDigits longest TN ({@code max_tn_digits}, default 15)
 * @param revocation {@code require} or {@code if_available} ({@code revocation}, default if_available, CRT-05)
 * @param requireDiversionHeaders a chain of div PASSporTs passes only when the dialplan passed the call's
 *     History-Info or Diversion header and its diverting numbers match ({@code require_diversion_headers},
 *     default true, DIV-01)
 * @param rcdMaxBytes largest Rich Call Data content item fetched for an rcdi digest, an icon or a jCard
 *     ({@code rcd_max_bytes}, default 256KiB, RCD-01)
 * @param rcdCacheBytes bytes of RCD content kept in memory ({@code rcd_cache_bytes}, default 32MiB)
 */
public record VerifierSettings(
        String region,
        Path trustDir,
        List<Path> crlFiles,
        Duration freshness,
        Duration futureSkew,
        int maxIdentityBytes,
        int maxIdentityHeaders,
        int maxTnDigits,
        RevocationMode revocation,
        boolean requireDiversionHeaders,
        long rcdMaxBytes,
        long rcdCacheBytes) {

    static final long DEFAULT_RCD_MAX_BYTES = 256 * 1024;
    static final long DEFAULT_RCD_CACHE_BYTES = 32L * 1024 * 1024;

    public VerifierSettings {
        crlFiles = List.copyOf(crlFiles);
        try {
            new TnCanonicalizer(region, maxTnDigits); // validates region and digits
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("verification." + (e.getMessage().startsWith("max_tn") ? "" : "region: ")
                    + e.getMessage());
        }
        if (freshness.isNegative() || futureSkew.isNegative()) {
            throw new IllegalArgumentException("verification.freshness and future_skew must not be negative");
        }
        if (maxIdentityBytes < 64 || maxIdentityHeaders < 1) {
            throw new IllegalArgumentException("verification.max_identity_bytes must be >= 64 and max_identity_headers >= 1");
        }
        if (rcdMaxBytes < 1 || rcdMaxBytes > 16L * 1024 * 1024) {
            throw new IllegalArgumentException("verification.rcd_max_bytes: 1 byte .. 16MiB, not " + rcdMaxBytes);
        }
        if (rcdCacheBytes < rcdMaxBytes) {
            throw new IllegalArgumentException("verification.rcd_cache_bytes must be at least rcd_max_bytes ("
                    + rcdMaxBytes + "), not " + rcdCacheBytes);
        }
    }

    /** Settings without the forwarding and Rich Call Data keys (their defaults). */
    public VerifierSettings(String region, Path trustDir, List<Path> crlFiles, Duration freshness, Duration futureSkew,
            int maxIdentityBytes, int maxIdentityHeaders, int maxTnDigits, RevocationMode revocation) {
        this(region, trustDir, crlFiles, freshness, futureSkew, maxIdentityBytes, maxIdentityHeaders, maxTnDigits,
                revocation, true, DEFAULT_RCD_MAX_BYTES, DEFAULT_RCD_CACHE_BYTES);
    }

    public static VerifierSettings defaults() {
        return new VerifierSettings("US", Path.of("certs/trust"), List.of(), Duration.ofSeconds(60), Duration.ofSeconds(60),
                8192, 8, 15, RevocationMode.IF_AVAILABLE);
    }

    /**
     * Reads the {@code verification:} section (a missing node gives the defaults). Relative paths resolve
     * against the configuration file's directory ({@link ConfigValues#path}).
     */
    public static VerifierSettings from(JsonNode section) {
        VerifierSettings d = defaults();
        List<Path> crls = new ArrayList<>();
        for (String c : ConfigValues.strings(section, "crl_files", List.of(), false)) {
            if (!c.isBlank()) {
                crls.add(ConfigValues.resolve(section, c.strip()));
            }
        }
        long bytes = ConfigValues.bytes(section, "max_identity_bytes", d.maxIdentityBytes());
        if (bytes < 64 || bytes > 1024 * 1024) {
            throw ConfigValues.fail(section, "max_identity_bytes", "must be 64 bytes .. 1MiB, not " + bytes);
        }
        String region = ConfigValues.string(section, "region", d.region()).strip().toUpperCase(java.util.Locale.ROOT);
        int maxTn = ConfigValues.integer(section, "max_tn_digits", d.maxTnDigits(), 1, 32);
        try {
            new TnCanonicalizer(region, maxTn);
        } catch (IllegalArgumentException e) {
            throw ConfigValues.fail(section, "region", "not an ISO 3166 alpha-2 region code libphonenumber knows "
                    + "(e.g. US, CN, MX): " + region);
        }
        RevocationMode revocation = RevocationMode.parse(ConfigValues.choice(section, "revocation", "if_available",
                "require", "if_available"));
        return new VerifierSettings(
                region,
                ConfigValues.path(section, "trust_dir", d.trustDir().toString()),
                crls,
                ConfigValues.duration(section, "freshness", d.freshness()),
                ConfigValues.duration(section, "future_skew", d.futureSkew()),
                (int) bytes,
                ConfigValues.integer(section, "max_identity_headers", d.maxIdentityHeaders(), 1, 64),
                maxTn,
                revocation,
                ConfigValues.bool(section, "require_diversion_headers", d.requireDiversionHeaders()),
                ConfigValues.bytes(section, "rcd_max_bytes", d.rcdMaxBytes()),
                ConfigValues.bytes(section, "rcd_cache_bytes", d.rcdCacheBytes()));
    }

    public VerifierSettings withRegion(String r) {
        return new VerifierSettings(r, trustDir, crlFiles, freshness, futureSkew, maxIdentityBytes, maxIdentityHeaders, maxTnDigits, revocation,
                requireDiversionHeaders, rcdMaxBytes, rcdCacheBytes);
    }

    public VerifierSettings withTrustDir(Path t) {
        return new VerifierSettings(region, t, crlFiles, freshness, futureSkew, maxIdentityBytes, maxIdentityHeaders, maxTnDigits, revocation,
                requireDiversionHeaders, rcdMaxBytes, rcdCacheBytes);
    }

    public VerifierSettings withCrlFiles(List<Path> files) {
        return new VerifierSettings(region, trustDir, files, freshness, futureSkew, maxIdentityBytes, maxIdentityHeaders, maxTnDigits, revocation,
                requireDiversionHeaders, rcdMaxBytes, rcdCacheBytes);
    }

    public VerifierSettings withRevocation(RevocationMode m) {
        return new VerifierSettings(region, trustDir, crlFiles, freshness, futureSkew, maxIdentityBytes, maxIdentityHeaders, maxTnDigits, m,
                requireDiversionHeaders, rcdMaxBytes, rcdCacheBytes);
    }

    public VerifierSettings withRequireDiversionHeaders(boolean require) {
        return new VerifierSettings(region, trustDir, crlFiles, freshness, futureSkew, maxIdentityBytes, maxIdentityHeaders,
                maxTnDigits, revocation, require, rcdMaxBytes, rcdCacheBytes);
    }

    /** The TN canonicalizer these settings describe. */
    public TnCanonicalizer canonicalizer() {
        return new TnCanonicalizer(region, maxTnDigits);
    }

    /**
     * The trust anchors from {@code trust_dir} (none when the directory does not exist) and the CRLs
     * from {@code crl_files}, as a validator for certificate sources to use.
     *
     * @throws IOException when a trust or CRL file exists but cannot be read or parsed
     */
    public CredentialValidator credentialValidator() throws IOException {
        TrustAnchors anchors = java.nio.file.Files.exists(trustDir) ? TrustAnchors.load(trustDir) : TrustAnchors.empty();
        return new CredentialValidator(anchors, FileCrlSource.load(crlFiles), revocation);
    }
}
