package org.stirshield.cert;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXCertPathChecker;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Validates what an x5u URL served (CRT-02..08, PPT-17) into a {@link Credential}:
 *
 * <ol>
 *   <li>parse the PEM chain or DER certificate (CRT-02, {@link CertificateChains});</li>
 *   <li>RFC 5280 path validation with the JDK's PKIX validator at the verification time to one of the
 *       configured {@link TrustAnchors}, the intermediates taken only from what x5u served (CRT-03);
 *       this checks signatures and name chaining, validity of each path certificate (CRT-04), and
 *       basicConstraints CA:TRUE plus keyCertSign on every issuer (CRT-06); the anchor's own validity
 *       is checked too;</li>
 *   <li>the leaf key is EC P-256 (PPT-17) and its keyUsage includes digitalSignature (CRT-07);</li>
 *   <li>the leaf's TNAuthList decodes (CRT-08, {@link TnAuthListParser});</li>
 *   <li>revocation through the {@link CrlSource} per {@link RevocationMode} (CRT-05).</li>
 * </ol>
 * Path validation is the expensive part (about a millisecond): a cache keeps validated credentials and
 * calls {@link #checkValidAt} per call, which re-checks validity and revocation only. Thread-safe.
 */
public final class CredentialValidator {
    private static final BigInteger P256_N =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    private final TrustAnchors anchors;
    private final CrlSource crls;
    private final RevocationMode revocation;
    private final int maxCerts;
    /** Whether each certificate has a CRL Distribution Point, parsed once per certificate, not per call. */
    private final CrlDistributionPoints distributionPoints = new CrlDistributionPoints();

    public CredentialValidator(TrustAnchors anchors, CrlSource crls, RevocationMode revocation) {
        this(anchors, crls, revocation, CertificateChains.MAX_CERTS);
    }

    public CredentialValidator(TrustAnchors anchors, CrlSource crls, RevocationMode revocation, int maxCerts) {
        this.anchors = anchors;
        this.crls = crls == null ? CrlSource.none() : crls;
        this.revocation = revocation;
        this.maxCerts = maxCerts;
    }

    public TrustAnchors anchors() {
        return anchors;
    }

    /** Parses and validates the body served at {@code x5u}. */
    public Credential validate(String x5u, byte[] body, Instant at, Deadline deadline) throws CredentialException {
        return validate(x5u, CertificateChains.parse(body, maxCerts), at, deadline);
    }

    /** Validates an already parsed chain (leaf first). */
    public Credential validate(String x5u, List<X509Certificate> served, Instant at, Deadline deadline)
            throws CredentialException {
        if (served.isEmpty()) {
            throw new CredentialException(CredentialFailure.UNPARSEABLE, "no certificate");
        }
        List<X509Certificate> path = new ArrayList<>(served);
        // A server may append the root itself: it is not part of the path to validate.
        while (path.size() > 1 && anchors.certificates().contains(path.get(path.size() - 1))) {
            path.remove(path.size() - 1);
        }
        X509Certificate anchor = pkix(path, at);
        X509Certificate leaf = path.get(0);
        checkLeafKey(leaf.getPublicKey());
        boolean[] ku = leaf.getKeyUsage();
        if (ku == null || !ku[0]) {
            throw new CredentialException(CredentialFailure.BAD_KEY_USAGE, "leaf keyUsage lacks digitalSignature (CRT-07)");
        }
        TnAuthList tnAuthList = TnAuthListParser.fromCertificate(leaf);
        Credential c = new Credential(x5u, path, anchor, tnAuthList, fingerprint(leaf));
        checkRevocation(c, at, deadline);
        return c;
    }

    /**
     * The per-call recheck of a cached credential: every certificate of the path and the anchor is valid
     * at {@code at} (CRT-04) and none is revoked (CRT-05). Cheap: no path building, no signatures except
     * a CRL's (which a CRL source may cache).
     */
    public void checkValidAt(Credential credential, Instant at, Deadline deadline) throws CredentialException {
        Date when = Date.from(at);
        for (X509Certificate c : credential.chain()) {
            checkValidity(c, when, "certificate");
        }
        checkValidity(credential.anchor(), when, "trust anchor");
        checkRevocation(credential, at, deadline);
    }

    /** {@link #checkValidAt(Credential, Instant, Deadline)} without a deadline. */
    public void checkValidAt(Credential credential, Instant at) throws CredentialException {
        checkValidAt(credential, at, Deadline.none());
    }

    private X509Certificate pkix(List<X509Certificate> path, Instant at) throws CredentialException {
        if (anchors.isEmpty()) {
            throw new CredentialException(CredentialFailure.UNTRUSTED_CHAIN, "no trust anchors configured (CRT-03)");
        }
        try {
            CertPath cp = CertificateFactory.getInstance("X.509").generateCertPath(path);
            PKIXParameters params = new PKIXParameters(anchors.anchors());
            params.setDate(Date.from(at));
            params.setRevocationEnabled(false); // CRT-05 is done separately, against the CrlSource
            params.addCertPathChecker(new TnAuthListChecker());
            PKIXCertPathValidatorResult r = (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX").validate(cp, params);
            X509Certificate anchor = r.getTrustAnchor().getTrustedCert();
            checkValidity(anchor, Date.from(at), "trust anchor");
            return anchor;
        } catch (CertPathValidatorException e) {
            throw new CredentialException(failureOf(e), "path validation failed (CRT-03): " + e.getMessage());
        } catch (InvalidAlgorithmParameterException e) {
            throw new CredentialException(CredentialFailure.UNTRUSTED_CHAIN, "no usable trust anchors: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new CredentialException(CredentialFailure.PATH_INVALID, "path validation failed: " + e.getMessage());
        }
    }

    private static CredentialFailure failureOf(CertPathValidatorException e) {
        var reason = e.getReason();
        if (reason == BasicReason.EXPIRED) {
            return CredentialFailure.EXPIRED;
        }
        if (reason == BasicReason.NOT_YET_VALID) {
            return CredentialFailure.NOT_YET_VALID;
        }
        if (reason == BasicReason.REVOKED) {
            return CredentialFailure.REVOKED;
        }
        if (reason == PKIXReason.NO_TRUST_ANCHOR || reason == BasicReason.UNSPECIFIED) {
            return CredentialFailure.UNTRUSTED_CHAIN;
        }
        return CredentialFailure.PATH_INVALID; // NOT_CA_CERT, INVALID_KEY_USAGE, INVALID_SIGNATURE, PATH_TOO_LONG, ...
    }

    /**
     * CRT-04: {@code c} is valid at {@code at}; the failure names it as "{@code role} subject-DN" (the DN is
     * formatted only then: a valid certificate costs no string).
     */
    private static void checkValidity(X509Certificate c, Date at, String role) throws CredentialException {
        try {
            c.checkValidity(at);
        } catch (CertificateExpiredException e) {
            throw new CredentialException(CredentialFailure.EXPIRED,
                    role + " " + c.getSubjectX500Principal().getName() + " expired " + c.getNotAfter().toInstant() + " (CRT-04)");
        } catch (CertificateNotYetValidException e) {
            throw new CredentialException(CredentialFailure.NOT_YET_VALID, role + " " + c.getSubjectX500Principal().getName()
                    + " not valid before " + c.getNotBefore().toInstant() + " (CRT-04)");
        }
    }

    /** PPT-17: the leaf key is EC on P-256. */
    static void checkLeafKey(PublicKey key) throws CredentialException {
        if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256
                || !ec.getParams().getOrder().equals(P256_N)) {
            throw new CredentialException(CredentialFailure.UNSUPPORTED_KEY, "leaf key is not EC P-256 (PPT-17): " + key.getAlgorithm());
        }
    }

    private void checkRevocation(Credential c, Instant at, Deadline deadline) throws CredentialException {
        List<X509Certificate> chain = c.chain();
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate cert = chain.get(i);
            X509Certificate issuer = i + 1 < chain.size() ? chain.get(i + 1) : c.anchor();
            X509CRL crl;
            try {
                crl = crls.crlFor(cert, issuer, at, deadline);
            } catch (CredentialException e) {
                crl = null;
                if (revocation == RevocationMode.REQUIRE && distributionPoints.present(cert)) {
                    if (e.failure() == CredentialFailure.CRL_TIMEOUT) {
                        throw e; // the call's deadline, not the CRL's absence: the reason says which (crl_timeout)
                    }
                    throw new CredentialException(CredentialFailure.REVOCATION_UNAVAILABLE,
                            "CRL for " + cert.getSubjectX500Principal().getName() + " unavailable: " + e.getMessage());
                }
            }
            if (crl == null) {
                if (revocation == RevocationMode.REQUIRE && distributionPoints.present(cert)) {
                    throw new CredentialException(CredentialFailure.REVOCATION_UNAVAILABLE,
                            "no CRL for " + cert.getSubjectX500Principal().getName() + " (CRT-05, revocation: require)");
                }
                continue;
            }
            X509CRLEntry entry = crl.getRevokedCertificate(cert);
            if (entry != null && (entry.getRevocationDate() == null || !entry.getRevocationDate().toInstant().isAfter(at))) {
                throw new CredentialException(CredentialFailure.REVOKED,
                        "certificate serial " + cert.getSerialNumber().toString(16) + " revoked (CRT-05)");
            }
            boolean expired = crl.getNextUpdate() != null && crl.getNextUpdate().toInstant().isBefore(at);
            if (expired && revocation == RevocationMode.REQUIRE) {
                throw new CredentialException(CredentialFailure.REVOCATION_UNAVAILABLE,
                        "CRL for " + cert.getSubjectX500Principal().getName() + " expired " + crl.getNextUpdate().toInstant());
            }
        }
    }

    /** SHA-256 of the DER encoding, lowercase hex. */
    public static String fingerprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lets PKIX accept a TNAuthList extension marked critical: this validator processes it itself. */
    private static final class TnAuthListChecker extends PKIXCertPathChecker {
        @Override
        public void init(boolean forward) {
        }

        @Override
        public boolean isForwardCheckingSupported() {
            return true;
        }

        @Override
        public Set<String> getSupportedExtensions() {
            return Set.of(TnAuthList.OID);
        }

        @Override
        public void check(java.security.cert.Certificate cert, Collection<String> unresolvedCritExts) {
            unresolvedCritExts.remove(TnAuthList.OID);
        }
    }

    @Override
    public String toString() {
        return "CredentialValidator[" + anchors.size() + " anchors, revocation " + revocation + "]";
    }
}
