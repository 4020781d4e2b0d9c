package org.stirshield.sign;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.stirshield.config.ConfigValues;
import org.stirshield.passport.TnCanonicalizer;

/**
 * The authentication side for calls this PBX originates (RFC 8224 §5, RFC 8588): signs a SHAKEN PASSporT
 * for the calling and called TNs with the operator's STI certificate key, and gives the Identity header
 * value the dialplan adds to the outgoing INVITE. Configured by the {@code signing:} section.
 */
public final class OutboundSigner {
    private final PrivateKey key;
    private final String x5u;
    private final String attest;
    private final TnCanonicalizer canonicalizer;

    /**
     * The {@code signing:} section.
     *
     * @param keyFile PEM private key (EC P-256) of the STI certificate published at {@code x5u}; null = signing off
     * @param x5u https URL where the certificate chain is published (RFC 8225 §4.3)
     * @param attest attestation level put in the PASSporT: A, B or C (RFC 8588 §4)
     */
    public record Settings(Path keyFile, String x5u, String attest) {
        public Settings {
            if (keyFile != null) {
                if (x5u == null || !x5u.startsWith("https://")) {
                    throw new IllegalArgumentException("signing.x5u: an https URL is required with signing.key_file");
                }
                if (!Set.of("A", "B", "C").contains(attest)) {
                    throw new IllegalArgumentException("signing.attest: A, B or C, got " + attest);
                }
            }
        }

        /** From the {@code signing:} section; a relative {@code key_file} resolves against the configuration's directory. */
        public static Settings from(JsonNode section) {
            Path key = ConfigValues.path(section, "key_file", null);
            String x5u = ConfigValues.string(section, "x5u", null);
            String attest = ConfigValues.string(section, "attest", "A").strip().toUpperCase(java.util.Locale.ROOT);
            if (key != null) {
                if (x5u == null || !x5u.startsWith("https://")) {
                    throw ConfigValues.fail(section, "x5u", "an https URL is required with signing.key_file, not "
                            + (x5u == null ? "nothing" : "'" + x5u + "'"));
                }
                if (!Set.of("A", "B", "C").contains(attest)) {
                    throw ConfigValues.fail(section, "attest", "A, B or C, not '" + attest + "'");
                }
            }
            return new Settings(key, x5u, attest);
        }

        public boolean enabled() {
            return keyFile != null;
        }
    }

    private OutboundSigner(PrivateKey key, String x5u, String attest, TnCanonicalizer canonicalizer) {
        this.key = key;
        this.x5u = x5u;
        this.attest = attest;
        this.canonicalizer = canonicalizer;
    }

    /** Loads the key; null when signing is not configured. */
    public static OutboundSigner load(Settings s, TnCanonicalizer canonicalizer) throws IOException {
        if (!s.enabled()) {
            return null;
        }
        PrivateKey pk = KeyFiles.readP256(s.keyFile(), "signing.key_file");
        return new OutboundSigner(pk, s.x5u(), s.attest(), canonicalizer);
    }

    /**
     * The Identity header value for a call from {@code callerTn} to {@code calledTn} (as the PBX has them:
     * canonicalized for the home region, RFC 8224 §8.3), issued at {@code now}.
     *
     * @throws IllegalArgumentException when a number cannot be canonicalized
     */
    public String identityHeader(String callerTn, String calledTn, Instant now) {
        String orig = canonicalizer.canonicalize(callerTn);
        String dest = canonicalizer.canonicalize(calledTn);
        if (orig == null || dest == null) {
            throw new IllegalArgumentException("not a telephone number: " + (orig == null ? callerTn : calledTn));
        }
        String jws = PassportSigner.shaken(key, x5u, attest, orig, List.of(dest), now.getEpochSecond(),
                UUID.randomUUID().toString());
        return PassportSigner.identityHeader(jws, x5u);
    }
}
