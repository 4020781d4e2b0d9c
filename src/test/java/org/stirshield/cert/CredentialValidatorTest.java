package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stirshield.testing.TestPki;
import org.stirshield.testing.TestPki.Issued;
import org.stirshield.testing.TestPki.LeafSpec;

/** CRT-02..08, PPT-17, CRT-05 revocation, LocalCertificateSource, TrustAnchors. */
class CredentialValidatorTest {
    static final Instant T0 = Instant.parse("2020-01-01T00:00:00Z");
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    static final Issued ROOT = TestPki.root("Root", T0, Instant.parse("2045-01-01T00:00:00Z"));
    static final Issued CA = TestPki.intermediate(ROOT, "Issuing", T0, Instant.parse("2044-01-01T00:00:00Z"));
    static final Issued LEAF = TestPki.leaf(CA, new LeafSpec());
    static final String URL = "https://cert.example/sp.pem";

    static CredentialValidator validator(CrlSource crls, RevocationMode mode) {
        return new CredentialValidator(TrustAnchors.of(List.of(ROOT.cert())), crls, mode);
    }

    static byte[] chain(Issued... certs) {
        Object[] o = new Object[certs.length];
        for (int i = 0; i < certs.length; i++) {
            o[i] = certs[i].cert();
        }
        return TestPki.pem(o).getBytes(StandardCharsets.US_ASCII);
    }

    static CredentialFailure fails(CredentialValidator v, byte[] body, Instant at) {
        return assertThrows(CredentialException.class, () -> v.validate(URL, body, at, Deadline.none())).failure();
    }

    static CredentialFailure fails(byte[] body) {
        return fails(validator(CrlSource.none(), RevocationMode.IF_AVAILABLE), body, NOW);
    }

    @Test
    void crt03ValidChain() throws Exception {
        Credential c = validator(CrlSource.none(), RevocationMode.IF_AVAILABLE).validate(URL, chain(LEAF, CA), NOW, Deadline.none());
        assertEquals(LEAF.cert(), c.leaf());
        assertEquals(ROOT.cert(), c.anchor());
        assertEquals(2, c.chain().size());
        assertEquals("1234", c.spc());
        assertEquals(64, c.fingerprint().length());
        // root appended by the server is dropped from the path
        Credential withRoot = validator(CrlSource.none(), RevocationMode.IF_AVAILABLE).validate(URL, chain(LEAF, CA, ROOT), NOW, Deadline.none());
        assertEquals(2, withRoot.chain().size());
    }

    @Test
    void crt02SingleDerCertificate() throws Exception {
        Issued direct = TestPki.leaf(ROOT, new LeafSpec());
        Credential c = validator(CrlSource.none(), RevocationMode.IF_AVAILABLE).validate(URL, direct.cert().getEncoded(), NOW, Deadline.none());
        assertEquals(1, c.chain().size());
    }

    @Test
    void crt02Unparseable() {
        assertEquals(CredentialFailure.UNPARSEABLE, fails(new byte[0]));
        assertEquals(CredentialFailure.UNPARSEABLE, fails("<html>hello</html>".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(CredentialFailure.UNPARSEABLE, fails("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(CredentialFailure.UNPARSEABLE, fails("-----BEGIN CERTIFICATE-----\nMIIB".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(CredentialFailure.UNPARSEABLE, fails(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}));
        Issued[] many = new Issued[9];
        java.util.Arrays.fill(many, CA);
        many[0] = LEAF;
        assertEquals(CredentialFailure.UNPARSEABLE, fails(chain(many)));
    }

    @Test
    void crt03Untrusted() {
        Issued other = TestPki.root("Other", T0, Instant.parse("2045-01-01T00:00:00Z"));
        Issued l = TestPki.leaf(other, new LeafSpec());
        assertEquals(CredentialFailure.UNTRUSTED_CHAIN, fails(chain(l, other)));
        // intermediates only from x5u: a leaf without its intermediate does not chain
        assertEquals(CredentialFailure.UNTRUSTED_CHAIN, fails(chain(LEAF)));
        // same DN, different key: matching names is not enough
        Issued fakeCa = TestPki.intermediate(TestPki.root("Root", T0, Instant.parse("2045-01-01T00:00:00Z")), "Issuing", T0,
                Instant.parse("2044-01-01T00:00:00Z"));
        assertTrue(List.of(CredentialFailure.UNTRUSTED_CHAIN, CredentialFailure.PATH_INVALID).contains(fails(chain(TestPki.leaf(fakeCa, new LeafSpec()), fakeCa))));
        assertEquals(CredentialFailure.UNTRUSTED_CHAIN,
                fails(new CredentialValidator(TrustAnchors.empty(), null, RevocationMode.IF_AVAILABLE), chain(LEAF, CA), NOW));
    }

    @Test
    void crt06LeafIssuedByLeafIsPathInvalid() {
        Issued leafAsIssuer = TestPki.leaf(CA, new LeafSpec());
        Issued child = TestPki.leaf(leafAsIssuer, new LeafSpec());
        assertEquals(CredentialFailure.PATH_INVALID, fails(chain(child, leafAsIssuer, CA)));
    }

    @Test
    void crt04Validity() {
        LeafSpec expired = new LeafSpec();
        expired.notAfter = NOW.minusSeconds(1);
        assertEquals(CredentialFailure.EXPIRED, fails(chain(TestPki.leaf(CA, expired), CA)));
        LeafSpec future = new LeafSpec();
        future.notBefore = NOW.plusSeconds(1);
        assertEquals(CredentialFailure.NOT_YET_VALID, fails(chain(TestPki.leaf(CA, future), CA)));
        Issued oldCa = TestPki.intermediate(ROOT, "Old", T0, NOW.minusSeconds(10));
        assertEquals(CredentialFailure.EXPIRED, fails(chain(TestPki.leaf(oldCa, new LeafSpec()), oldCa)));
        // an expired trust anchor fails too
        Issued oldRoot = TestPki.root("OldRoot", T0, NOW.minusSeconds(10));
        Issued l = TestPki.leaf(oldRoot, new LeafSpec());
        assertEquals(CredentialFailure.EXPIRED, fails(new CredentialValidator(TrustAnchors.of(List.of(oldRoot.cert())), null,
                RevocationMode.IF_AVAILABLE), chain(l), NOW));
    }

    @Test
    void crt07KeyUsage() {
        LeafSpec noKu = new LeafSpec();
        noKu.keyUsage = null;
        assertEquals(CredentialFailure.BAD_KEY_USAGE, fails(chain(TestPki.leaf(CA, noKu), CA)));
        LeafSpec wrong = new LeafSpec();
        wrong.keyUsage = KeyUsage.keyAgreement;
        assertEquals(CredentialFailure.BAD_KEY_USAGE, fails(chain(TestPki.leaf(CA, wrong), CA)));
    }

    @Test
    void ppt17LeafKeyType() {
        for (String t : List.of("P-384", "RSA")) {
            LeafSpec s = new LeafSpec();
            s.keyType = t;
            assertEquals(CredentialFailure.UNSUPPORTED_KEY, fails(chain(TestPki.leaf(CA, s), CA)), t);
        }
    }

    @Test
    void crt08TnAuthListMissingOrMalformed() throws Exception {
        LeafSpec none = new LeafSpec();
        none.noTnAuthList = true;
        assertEquals(CredentialFailure.TNAUTHLIST_MISSING, fails(chain(TestPki.leaf(CA, none), CA)));
        LeafSpec implicit = new LeafSpec();
        implicit.rawTnAuthList = new org.bouncycastle.asn1.DERSequence(new org.bouncycastle.asn1.DERTaggedObject(false, 0,
                new org.bouncycastle.asn1.DERIA5String("1234"))).getEncoded();
        assertEquals(CredentialFailure.TNAUTHLIST_MALFORMED, fails(chain(TestPki.leaf(CA, implicit), CA)));
    }

    @Test
    void crt05RevokedLeafAndIntermediate() {
        LeafSpec s = new LeafSpec();
        s.crlDp = "http://crl.example/ca.crl";
        Issued l = TestPki.leaf(CA, s);
        X509CRL crl = TestPki.crl(CA, NOW.minusSeconds(3600), NOW.plusSeconds(86400), l.cert().getSerialNumber());
        assertEquals(CredentialFailure.REVOKED, fails(validator(new FileCrlSource(List.of(crl)), RevocationMode.IF_AVAILABLE), chain(l, CA), NOW));
        // a CRL listing other serials: fine
        X509CRL other = TestPki.crl(CA, NOW.minusSeconds(3600), NOW.plusSeconds(86400), BigInteger.valueOf(42));
        assertNotNull(assertDoesNotThrow(validator(new FileCrlSource(List.of(other)), RevocationMode.REQUIRE), chain(l, CA)));
        // the intermediate revoked by the root's CRL
        X509CRL rootCrl = TestPki.crl(ROOT, NOW.minusSeconds(3600), NOW.plusSeconds(86400), CA.cert().getSerialNumber());
        assertEquals(CredentialFailure.REVOKED, fails(validator(new FileCrlSource(List.of(rootCrl)), RevocationMode.IF_AVAILABLE), chain(LEAF, CA), NOW));
    }

    @Test
    void crt05CrlSignedByAnotherKeyIsIgnored() {
        LeafSpec s = new LeafSpec();
        s.crlDp = "http://crl.example/ca.crl";
        Issued l = TestPki.leaf(CA, s);
        // same issuer DN "Issuing", different key
        Issued impostor = TestPki.intermediate(ROOT, "Issuing", T0, Instant.parse("2044-01-01T00:00:00Z"));
        X509CRL forged = TestPki.crl(impostor, NOW.minusSeconds(3600), NOW.plusSeconds(86400), l.cert().getSerialNumber());
        assertNotNull(assertDoesNotThrow(validator(new FileCrlSource(List.of(forged)), RevocationMode.IF_AVAILABLE), chain(l, CA)));
        assertEquals(CredentialFailure.REVOCATION_UNAVAILABLE,
                fails(validator(new FileCrlSource(List.of(forged)), RevocationMode.REQUIRE), chain(l, CA), NOW));
    }

    @Test
    void crt05NoCrlForCdpRequireVersusIfAvailable() {
        LeafSpec s = new LeafSpec();
        s.crlDp = "http://crl.example/ca.crl";
        Issued l = TestPki.leaf(CA, s);
        assertEquals(CredentialFailure.REVOCATION_UNAVAILABLE, fails(validator(CrlSource.none(), RevocationMode.REQUIRE), chain(l, CA), NOW));
        assertNotNull(assertDoesNotThrow(validator(CrlSource.none(), RevocationMode.IF_AVAILABLE), chain(l, CA)));
        // no CDP at all: nothing to check even under require
        assertNotNull(assertDoesNotThrow(validator(CrlSource.none(), RevocationMode.REQUIRE), chain(LEAF, CA)));
        // the CRL source failing (e.g. timeout) under require
        CrlSource broken = (c, i, at, d) -> {
            throw new CredentialException(CredentialFailure.TIMEOUT, "crl fetch timed out");
        };
        assertEquals(CredentialFailure.REVOCATION_UNAVAILABLE, fails(validator(broken, RevocationMode.REQUIRE), chain(l, CA), NOW));
        assertNotNull(assertDoesNotThrow(validator(broken, RevocationMode.IF_AVAILABLE), chain(l, CA)));
    }

    @Test
    void crt05ExpiredCrl() {
        LeafSpec s = new LeafSpec();
        s.crlDp = "http://crl.example/ca.crl";
        Issued l = TestPki.leaf(CA, s);
        X509CRL stale = TestPki.crl(CA, NOW.minusSeconds(86400 * 10), NOW.minusSeconds(86400));
        assertEquals(CredentialFailure.REVOCATION_UNAVAILABLE, fails(validator(new FileCrlSource(List.of(stale)), RevocationMode.REQUIRE), chain(l, CA), NOW));
        assertNotNull(assertDoesNotThrow(validator(new FileCrlSource(List.of(stale)), RevocationMode.IF_AVAILABLE), chain(l, CA)));
        // an expired CRL that lists the certificate still revokes it
        X509CRL staleRevoking = TestPki.crl(CA, NOW.minusSeconds(86400 * 10), NOW.minusSeconds(86400), l.cert().getSerialNumber());
        assertEquals(CredentialFailure.REVOKED, fails(validator(new FileCrlSource(List.of(staleRevoking)), RevocationMode.IF_AVAILABLE), chain(l, CA), NOW));
        // a CRL issued after the verification time is not used
        X509CRL later = TestPki.crl(CA, NOW.plusSeconds(3600), NOW.plusSeconds(86400), l.cert().getSerialNumber());
        assertNotNull(assertDoesNotThrow(validator(new FileCrlSource(List.of(later)), RevocationMode.IF_AVAILABLE), chain(l, CA)));
    }

    static Credential assertDoesNotThrow(CredentialValidator v, byte[] body) {
        try {
            return v.validate(URL, body, NOW, Deadline.none());
        } catch (CredentialException e) {
            throw new AssertionError("unexpected " + e.failure() + ": " + e.getMessage());
        }
    }

    @Test
    void checkValidAtRechecksValidityAndRevocation() throws Exception {
        LeafSpec s = new LeafSpec();
        s.notAfter = NOW.plusSeconds(3600);
        Issued l = TestPki.leaf(CA, s);
        CredentialValidator v = validator(CrlSource.none(), RevocationMode.IF_AVAILABLE);
        Credential c = v.validate(URL, chain(l, CA), NOW, Deadline.none());
        v.checkValidAt(c, NOW.plusSeconds(60));
        assertEquals(CredentialFailure.EXPIRED, assertThrows(CredentialException.class, () -> v.checkValidAt(c, NOW.plusSeconds(7200))).failure());
        CredentialValidator withCrl = validator(new FileCrlSource(List.of(TestPki.crl(CA, NOW, NOW.plusSeconds(86400), l.cert().getSerialNumber()))),
                RevocationMode.IF_AVAILABLE);
        assertEquals(CredentialFailure.REVOKED, assertThrows(CredentialException.class, () -> withCrl.checkValidAt(c, NOW.plusSeconds(60))).failure());
    }

    /** The failures name the certificate by its subject DN, word for word as before the DN was formatted lazily. */
    @Test
    void failureMessagesNameTheCertificate() throws Exception {
        LeafSpec s = new LeafSpec();
        s.cn = "Short Lived\\, Inc."; // a DN that RFC 2253 escapes
        s.notBefore = NOW.minusSeconds(60);
        s.notAfter = NOW.plusSeconds(3600);
        Issued l = TestPki.leaf(CA, s);
        CredentialValidator v = validator(CrlSource.none(), RevocationMode.IF_AVAILABLE);
        Credential c = v.validate(URL, chain(l, CA), NOW, Deadline.none());
        for (int call = 0; call < 2; call++) { // the second from what the first call remembered
            assertEquals("certificate CN=Short Lived\\, Inc. expired 2026-03-01T13:00:00Z (CRT-04)",
                    message(() -> v.checkValidAt(c, NOW.plusSeconds(7200)), CredentialFailure.EXPIRED));
            assertEquals("certificate CN=Short Lived\\, Inc. not valid before 2026-03-01T11:59:00Z (CRT-04)",
                    message(() -> v.checkValidAt(c, NOW.minusSeconds(120)), CredentialFailure.NOT_YET_VALID));
            v.checkValidAt(c, NOW.plusSeconds(60));
        }
        Issued shortRoot = TestPki.root("Short Root", T0, NOW.plusSeconds(3600));
        Issued ca = TestPki.intermediate(shortRoot, "Issuing", T0, Instant.parse("2044-01-01T00:00:00Z"));
        CredentialValidator underShortRoot = new CredentialValidator(TrustAnchors.of(List.of(shortRoot.cert())),
                CrlSource.none(), RevocationMode.IF_AVAILABLE);
        Credential rooted = underShortRoot.validate(URL, chain(TestPki.leaf(ca, new LeafSpec()), ca), NOW, Deadline.none());
        assertEquals("trust anchor CN=Short Root expired 2026-03-01T13:00:00Z (CRT-04)",
                message(() -> underShortRoot.checkValidAt(rooted, NOW.plusSeconds(7200)), CredentialFailure.EXPIRED));
        assertEquals("trust anchor CN=Short Root expired 2026-03-01T13:00:00Z (CRT-04)",
                message(() -> underShortRoot.validate(URL, chain(TestPki.leaf(ca, new LeafSpec()), ca), NOW.plusSeconds(7200),
                        Deadline.none()), CredentialFailure.EXPIRED));
    }

    @Test
    void revocationFailureMessagesNameTheCertificate() throws Exception {
        LeafSpec s = new LeafSpec();
        s.crlDp = "http://crl.example/ca.crl";
        Issued l = TestPki.leaf(CA, s);
        for (int call = 0; call < 2; call++) { // the second from what the validator remembered of the certificates
            CredentialValidator require = validator(CrlSource.none(), RevocationMode.REQUIRE);
            assertEquals("no CRL for CN=SHAKEN TEST (CRT-05, revocation: require)",
                    message(() -> require.validate(URL, chain(l, CA), NOW, Deadline.none()), CredentialFailure.REVOCATION_UNAVAILABLE));
            CrlSource broken = (c, i, at, d) -> {
                throw new CredentialException(CredentialFailure.TIMEOUT, "crl fetch timed out");
            };
            assertEquals("CRL for CN=SHAKEN TEST unavailable: crl fetch timed out", message(() -> validator(broken,
                    RevocationMode.REQUIRE).validate(URL, chain(l, CA), NOW, Deadline.none()), CredentialFailure.REVOCATION_UNAVAILABLE));
            X509CRL stale = TestPki.crl(CA, NOW.minusSeconds(86400 * 10), NOW.minusSeconds(86400));
            assertEquals("CRL for CN=SHAKEN TEST expired 2026-02-28T12:00:00Z", message(() -> validator(new FileCrlSource(List.of(stale)),
                    RevocationMode.REQUIRE).validate(URL, chain(l, CA), NOW, Deadline.none()), CredentialFailure.REVOCATION_UNAVAILABLE));
            X509CRL revoking = TestPki.crl(CA, NOW.minusSeconds(60), NOW.plusSeconds(86400), l.cert().getSerialNumber());
            assertEquals("certificate serial " + l.cert().getSerialNumber().toString(16) + " revoked (CRT-05)",
                    message(() -> validator(new FileCrlSource(List.of(revoking)), RevocationMode.IF_AVAILABLE)
                            .validate(URL, chain(l, CA), NOW, Deadline.none()), CredentialFailure.REVOKED));
        }
        // a warm credential whose CRL Distribution Point cannot be fetched: every call says so, the same way
        CredentialValidator lenient = validator(CrlSource.none(), RevocationMode.IF_AVAILABLE);
        Credential c = lenient.validate(URL, chain(l, CA), NOW, Deadline.none());
        CredentialValidator require = validator(CrlSource.none(), RevocationMode.REQUIRE);
        for (int call = 0; call < 3; call++) {
            assertEquals("no CRL for CN=SHAKEN TEST (CRT-05, revocation: require)",
                    message(() -> require.checkValidAt(c, NOW), CredentialFailure.REVOCATION_UNAVAILABLE));
        }
    }

    private interface Check {
        void run() throws CredentialException;
    }

    private static String message(Check check, CredentialFailure expected) {
        CredentialException e = assertThrows(CredentialException.class, check::run);
        assertEquals(expected, e.failure(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void localSourceServesPinsAndDelegates() throws Exception {
        CredentialValidator v = validator(CrlSource.none(), RevocationMode.IF_AVAILABLE);
        LocalCertificateSource noFetcher = new LocalCertificateSource(Map.of(URL, chain(LEAF, CA)), v, null);
        Credential c = noFetcher.credential(URL, NOW, Deadline.none());
        assertSame(c, noFetcher.credential(URL, NOW.plusSeconds(5), Deadline.none())); // validated once, kept
        CredentialException e = assertThrows(CredentialException.class, () -> noFetcher.credential("https://other/", NOW, Deadline.none()));
        assertEquals(CredentialFailure.BAD_URL, e.failure());
        assertTrue(e.getMessage().contains("no fetcher"));
        LocalCertificateSource delegating = new LocalCertificateSource(Map.of(), v, (x5u, at, d) -> c);
        assertSame(c, delegating.credential("https://other/", NOW, Deadline.none()));
        // the cached credential is still rechecked per call
        assertEquals(CredentialFailure.EXPIRED, assertThrows(CredentialException.class,
                () -> noFetcher.credential(URL, Instant.parse("2050-01-01T00:00:00Z"), Deadline.none())).failure());
    }

    @Test
    void trustAnchorsFromDirectoryAndFilesAndCrlFiles(@TempDir Path dir) throws Exception {
        Issued other = TestPki.root("Other", T0, Instant.parse("2045-01-01T00:00:00Z"));
        Files.writeString(dir.resolve("a.pem"), TestPki.pem(ROOT.cert()));
        Files.write(dir.resolve("b.der"), other.cert().getEncoded());
        Files.writeString(dir.resolve("README.txt"), "ignored");
        TrustAnchors a = TrustAnchors.load(dir);
        assertEquals(2, a.size());
        assertEquals(1, TrustAnchors.load(dir.resolve("a.pem")).size());
        assertThrows(java.io.IOException.class, () -> TrustAnchors.load(dir.resolve("missing")));
        Files.writeString(dir.resolve("bad.pem"), "junk");
        assertThrows(java.io.IOException.class, () -> TrustAnchors.load(dir));

        X509CRL crl = TestPki.crl(CA, NOW, NOW.plusSeconds(60), BigInteger.TEN);
        Path pem = dir.resolve("ca.crl.pem");
        Files.writeString(pem, TestPki.pem(crl));
        Path der = dir.resolve("ca.crl");
        Files.write(der, crl.getEncoded());
        assertEquals(2, FileCrlSource.load(List.of(pem, der)).crls().size());
        Path junk = dir.resolve("junk.crl");
        Files.writeString(junk, "no");
        assertThrows(java.io.IOException.class, () -> FileCrlSource.load(List.of(junk)));
    }
}
