package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;
import org.stirshield.testing.TestPki;
import org.stirshield.testing.TestPki.LeafSpec;

/** CRT-05: what a certificate's CRL Distribution Points say, remembered per certificate object within a bound. */
class CrlDistributionPointsTest {
    private static final TestPki.Issued CA = CredentialValidatorTest.CA;

    private static X509Certificate leaf(String crlDp) {
        LeafSpec s = new LeafSpec();
        s.crlDp = crlDp;
        return TestPki.leaf(CA, s).cert();
    }

    @Test
    void presentAndTheFirstHttpUri() {
        CrlDistributionPoints dp = new CrlDistributionPoints();
        X509Certificate none = leaf(null);
        X509Certificate http = leaf("http://crl.example/ca.crl");
        X509Certificate https = leaf("HTTPS://crl.example/ca.crl");
        X509Certificate ldap = leaf("ldap://crl.example/cn=ca");
        for (int call = 0; call < 2; call++) { // parsed, then remembered
            assertFalse(dp.present(none));
            assertNull(dp.url(none));
            assertTrue(dp.present(http));
            assertEquals("http://crl.example/ca.crl", dp.url(http));
            assertEquals("HTTPS://crl.example/ca.crl", dp.url(https), "as written");
            assertTrue(dp.present(ldap), "an extension without an http URI is still one (revocation: require fails it)");
            assertNull(dp.url(ldap));
        }
    }

    /** More certificate objects than slots, equal ones among them: each answer is its own certificate's. */
    @Test
    void boundedAndKeyedByTheCertificateObject() throws Exception {
        X509Certificate with = leaf("http://crl.example/a.crl");
        X509Certificate without = leaf(null);
        // Bouncy Castle's factory parses anew each time (the JDK's hands back the object it parsed before)
        CertificateFactory cf = CertificateFactory.getInstance("X.509", new BouncyCastleProvider());
        List<X509Certificate> certs = new ArrayList<>();
        for (int i = 0; i < 4 * CrlDistributionPoints.SLOTS; i++) {
            X509Certificate c = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(
                    (i % 3 == 0 ? with : without).getEncoded())); // equal to one of two, each its own object
            certs.add(c);
        }
        assertNotSame(certs.get(0), certs.get(3));
        CrlDistributionPoints dp = new CrlDistributionPoints();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < certs.size(); i++) {
                X509Certificate c = certs.get(i);
                boolean has = i % 3 == 0;
                assertEquals(has, dp.present(c), "certificate " + i);
                assertEquals(has ? "http://crl.example/a.crl" : null, dp.url(c), "certificate " + i);
            }
        }
    }
}
