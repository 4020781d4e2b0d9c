package org.stirshield.cert;

import java.util.Locale;

/** What to do when a certificate should be checked for revocation but no current CRL is available (CRT-05). */
public enum RevocationMode {
    /**
     * Fail closed: a certificate carrying a CRL Distribution Point for which no CRL (or only an expired
     * one that does not list it) is available fails with {@link CredentialFailure#REVOCATION_UNAVAILABLE}.
     */
    REQUIRE,
    /** Check only when a CRL is known; a known CRL that lists the certificate always fails it. The CLI default. */
    IF_AVAILABLE;

    /** {@code require} or {@code if_available} (also {@code if-available}). */
    public static RevocationMode parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT).replace('-', '_')) {
            case "require", "required" -> REQUIRE;
            case "if_available" -> IF_AVAILABLE;
            default -> throw new IllegalArgumentException("revocation: expected require or if_available: " + s);
        };
    }
}
