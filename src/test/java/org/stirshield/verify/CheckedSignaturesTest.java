package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.stirshield.cert.Credential;
import org.stirshield.cert.LocalCertificateSource;
import org.stirshield.testing.Fixture;

/** The signature outcomes of the verified-PASSporT cache: keyed on the exact bytes and credential, bounded, recent. */
class CheckedSignaturesTest {
    private final Fixture f = new Fixture();
    private final Credential credential;
    private final Credential other;

    CheckedSignaturesTest() throws Exception {
        credential = new LocalCertificateSource(f.served, f.validator(), null).credential(Fixture.X5U, Fixture.NOW, org.stirshield.cert.Deadline.none());
        Fixture g = new Fixture();
        other = new LocalCertificateSource(g.served, g.validator(), null).credential(Fixture.X5U, Fixture.NOW, org.stirshield.cert.Deadline.none());
    }

    private static long[] key(int i) {
        return CheckedSignatures.key("value-" + i);
    }

    @Test
    void anOutcomeIsKnownForTheSameBytesAndTheSameCredentialOnly() {
        CheckedSignatures s = new CheckedSignatures(1024, Duration.ofSeconds(60));
        s.put(key(1), credential, true);
        s.put(key(2), credential, false);
        assertEquals(Boolean.TRUE, s.validWith(key(1), credential));
        assertEquals(Boolean.FALSE, s.validWith(key(2), credential), "a bad signature stays bad");
        assertNull(s.validWith(key(1), other), "another certificate behind the x5u: not known");
        assertNull(s.validWith(key(3), credential), "other bytes: not known");
        assertNull(s.validWith(CheckedSignatures.key("value-1 "), credential), "one byte more: not known");
        s.put(key(1), other, false);
        assertEquals(Boolean.FALSE, s.validWith(key(1), other));
        assertNull(s.validWith(key(1), credential), "the newer outcome replaced the older one");
    }

    @Test
    void anOutcomeIsForgottenAfterItsLifetime() throws InterruptedException {
        CheckedSignatures s = new CheckedSignatures(64, Duration.ofSeconds(1));
        s.put(key(1), credential, true);
        assertEquals(Boolean.TRUE, s.validWith(key(1), credential));
        Thread.sleep(1300);
        assertNull(s.validWith(key(1), credential), "a lookup does not extend the lifetime");
        assertEquals(0, s.size());
    }

    /** In a full set, the value looked up again (a retransmission) stays; the one used longest ago goes. */
    @Test
    void aValueFoundAgainOutlastsTheOthersOfItsSet() {
        CheckedSignatures s = new CheckedSignatures(CheckedSignatures.WAYS, Duration.ofSeconds(60)); // one set
        for (int i = 0; i < CheckedSignatures.WAYS; i++) {
            s.put(key(i), credential, true);
        }
        assertEquals(Boolean.TRUE, s.validWith(key(0), credential)); // the oldest, found again
        s.put(key(100), credential, true); // one must go
        assertEquals(Boolean.TRUE, s.validWith(key(0), credential), "the value found again stays");
        assertNull(s.validWith(key(1), credential), "the one used longest ago went");
    }

    @Test
    void onlyAsciiValuesAreKept() {
        assertTrue(CheckedSignatures.keepable("eyJh.eyJh.c2ln;info=<https://cert.example.net/sp.pem>"));
        org.junit.jupiter.api.Assertions.assertFalse(CheckedSignatures.keepable("eyJh.eyJh.c2ln;info=<https://c\u00e9rt/>"));
        org.junit.jupiter.api.Assertions.assertFalse(CheckedSignatures.keepable("a\ud800b"), "a lone surrogate");
    }

    @Test
    void boundedAndRecent() {
        CheckedSignatures s = new CheckedSignatures(4096, Duration.ofSeconds(60));
        assertEquals(4096, s.capacity());
        for (int i = 0; i < 100_000; i++) {
            s.put(key(i), credential, true);
        }
        assertTrue(s.size() <= 4096, "bounded: " + s.size());
        assertTrue(s.size() > 4000, "and full: " + s.size());
        // the 1,024 values written last (an eighth of a set's turnover each): nearly all still known
        int known = 0;
        for (int i = 100_000 - 1024; i < 100_000; i++) {
            if (s.validWith(key(i), credential) != null) {
                known++;
            }
        }
        assertTrue(known >= 1000, "recent values known: " + known + " of 1024");
        // values written 50,000 ago: long gone
        int old = 0;
        for (int i = 0; i < 50_000; i++) {
            if (s.validWith(key(i), credential) != null) {
                old++;
            }
        }
        assertEquals(0, old);
    }

    @Test
    void sizesRoundUpToAPowerOfTwoOfAtLeastOneSet() {
        assertEquals(CheckedSignatures.WAYS, new CheckedSignatures(1, Duration.ofSeconds(1)).capacity());
        assertEquals(16384, new CheckedSignatures(16384, Duration.ofSeconds(1)).capacity());
        assertEquals(32768, new CheckedSignatures(16385, Duration.ofSeconds(1)).capacity());
    }
}
