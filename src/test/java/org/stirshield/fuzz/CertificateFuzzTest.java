package org.stirshield.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.stirshield.cert.CertificateChains;
import org.stirshield.cert.CredentialException;
import org.stirshield.cert.Deadline;
import org.stirshield.cert.FileCrlSource;
import org.stirshield.cert.TnAuthListParser;
import org.stirshield.testing.Fixture;

/**
 * What a certificate server (or an operator's file) hands us: the TNAuthList extension's ASN.1 (RFC 8226), PEM and
 * DER certificate chains taken through the whole credential validation, and CRLs (DER and PEM). Seeds: the test
 * PKI's real TNAuthLists, chains and CRLs (SeedCorpus).
 */
class CertificateFuzzTest {
    private static final Fixture FIXTURE = new Fixture();
    private static final org.stirshield.cert.CredentialValidator VALIDATOR = FIXTURE.validator();

    /** TnAuthListParser.parse: a TNAuthList, or CredentialException TNAUTHLIST_MALFORMED. */
    @FuzzTest(maxDuration = "10s")
    void tnAuthList(byte[] der) {
        Invariant.holds(() -> TnAuthListParser.parse(der).covers("12155550100"), CredentialException.class);
    }

    /**
     * CertificateChains.parse, then (for what parses) path validation to the test root, key checks and the leaf's
     * TNAuthList: a credential, or CredentialException with its CredentialFailure.
     */
    @FuzzTest(maxDuration = "10s")
    void certificateChain(byte[] body) {
        Invariant.holds(() -> {
            List<X509Certificate> chain = CertificateChains.parse(body);
            VALIDATOR.validate("https://fuzz.example/cert.pem", chain, Fixture.NOW, Deadline.none());
        }, CredentialException.class);
    }

    /** FileCrlSource.parse (DER or PEM CRLs, also what a CRL Distribution Point serves): CRLs, or CRLException. */
    @FuzzTest(maxDuration = "10s")
    void crl(byte[] bytes) {
        Invariant.holds(() -> {
            List<X509CRL> crls = FileCrlSource.parse(bytes);
            X509CRL chosen = new FileCrlSource(crls).crlFor(FIXTURE.leaf.cert(), FIXTURE.ca.cert(), Instant.now(),
                    Deadline.none()); // checks each CRL's issuer and signature
            if (chosen != null) {
                chosen.isRevoked(FIXTURE.leaf.cert());
            }
        }, CRLException.class);
    }
}
