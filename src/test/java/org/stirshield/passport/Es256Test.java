package org.stirshield.passport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.Provider;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** PPT-14 signature shape and range; every available JCA provider passes the same self-test. */
class Es256Test {
    @Test
    void ppt14RangeAndLength() {
        assertNull(Es256.toDer(new byte[63]));
        assertNull(Es256.toDer(new byte[65]));
        assertNull(Es256.toDer(new byte[64])); // r = s = 0
        byte[] n = new byte[64];
        byte[] nb = Es256.P256_N.toByteArray();
        System.arraycopy(nb, nb.length - 32, n, 0, 32);
        System.arraycopy(nb, nb.length - 32, n, 32, 32);
        assertNull(Es256.toDer(n)); // r = s = n
        byte[] one = new byte[64];
        one[31] = 1;
        one[63] = 1;
        assertNotNull(Es256.toDer(one));
        byte[] nMinus1 = Es256.P256_N.subtract(BigInteger.ONE).toByteArray();
        byte[] max = new byte[64];
        System.arraycopy(nMinus1, nMinus1.length - 32, max, 0, 32);
        System.arraycopy(nMinus1, nMinus1.length - 32, max, 32, 32);
        byte[] der = Es256.toDer(max);
        assertNotNull(der);
        assertTrue(der[3] == 33); // leading zero added for the sign bit
    }

    @Test
    void everyCandidateProviderPassesSelfTest() {
        boolean sunec = false;
        for (Provider p : Es256.candidates()) {
            long nanos = Es256.selfTest(Es256.with(p), 5);
            assertTrue(nanos >= 0, p.getName() + " failed the ES256 self-test");
            sunec |= p.getName().equals("SunEC");
        }
        assertTrue(sunec);
        assertNotNull(Es256.fastest().providerName());
    }

    @Test
    void verifyNeverThrowsOnGarbage() {
        Es256 es = Es256.fastest();
        byte[] sig = new byte[64];
        Arrays.fill(sig, (byte) 0x7f);
        assertFalse(es.verify(org.stirshield.testing.TestPki.keyPair("P-256").getPublic(), "a.b", sig));
        assertFalse(es.verify(org.stirshield.testing.TestPki.keyPair("RSA").getPublic(), "a.b", sig));
        assertFalse(es.verify(org.stirshield.testing.TestPki.keyPair("P-384").getPublic(), "a.b", null));
    }
}
