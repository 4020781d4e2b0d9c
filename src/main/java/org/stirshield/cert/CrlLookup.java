package org.stirshield.cert;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * The shape of the core's {@code CrlSource} (CRT-05), kept package-private here until both branches
 * meet: the CRL that covers {@code cert}, signed by {@code issuer} and current at {@code at}, or null
 * when the certificate names no CRL Distribution Point (or the operator chose to ignore unavailable
 * CRLs).
 */
interface CrlLookup {
    X509CRL crlFor(X509Certificate cert, X509Certificate issuer, Instant at, Deadline deadline) throws CredentialException;
}
