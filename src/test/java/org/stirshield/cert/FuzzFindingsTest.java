package org.stirshield.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.cert.CRLException;
import org.junit.jupiter.api.Test;

/**
 * Inputs the fuzz targets (src/test/java/org/stirshield/fuzz) found to break a certificate parser, each kept as a
 * named regression test (the raw crash inputs stay in the targets' Inputs directories too).
 */
class FuzzFindingsTest {
    /** "-----BEGIN CERTIFICATE-----END CERTIFICATE-----": the END line was found inside the BEGIN line. */
    @Test
    void aPemBeginLineRunningIntoItsEndLineIsUnparseableNotAnIndexError() {
        byte[] chain = "-----BEGIN CERTIFICATE---------END CERTIFICATE-----".getBytes(StandardCharsets.US_ASCII);
        assertEquals(CredentialFailure.UNPARSEABLE,
                assertThrows(CredentialException.class, () -> CertificateChains.parse(chain)).failure());
        byte[] crl = "-----BEGIN X509 CRL---------END X509 CRL-----".getBytes(StandardCharsets.US_ASCII);
        assertThrows(CRLException.class, () -> FileCrlSource.parse(crl));
    }

    /**
     * A PEM CRL whose base64 does not end on a whole unit (the fuzzer got there with stray bytes, which the MIME
     * decoder skips): a CRLException, not the decoder's IllegalArgumentException.
     */
    @Test
    void aPemCrlThatIsNotBase64IsACrlException() {
        byte[] crl = "-----BEGIN X509 CRL-----\nMIHRM\u00ff\n-----END X509 CRL-----\n".getBytes(StandardCharsets.ISO_8859_1);
        CRLException e = assertThrows(CRLException.class, () -> FileCrlSource.parse(crl));
        assertEquals("PEM CRL block is not base64", e.getMessage());
    }
}
