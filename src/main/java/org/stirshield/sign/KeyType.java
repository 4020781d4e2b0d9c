package org.stirshield.sign;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** Key types a test or demo certificate can carry. STI certificates use EC P-256 (PPT-17). */
public enum KeyType {
    EC_P256,
    EC_P384,
    RSA_2048;

    KeyPair generate() {
        try {
            KeyPairGenerator g;
            switch (this) {
                case EC_P256 -> {
                    g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp256r1"));
                }
                case EC_P384 -> {
                    g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp384r1"));
                }
                default -> {
                    g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(2048);
                }
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate " + this + " key", e);
        }
    }

    String signatureAlgorithm() {
        return switch (this) {
            case EC_P256 -> "SHA256withECDSA";
            case EC_P384 -> "SHA384withECDSA";
            case RSA_2048 -> "SHA256withRSA";
        };
    }
}
