package org.stirshield.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.stirshield.cert.CertificateSource;
import org.stirshield.cert.Credential;
import org.stirshield.cert.LocalCertificateSource;
import org.stirshield.passport.Es256;
import org.stirshield.testing.Fixture;

/**
 * The verified-PASSporT cache: the same token again costs no second ES256 verification, and never skips
 * what depends on the call or the time (freshness at now, orig/dest against this call, the certificate's
 * validity at this call's time, a different certificate behind the same x5u).
 */
class VerifiedPassportsTest {
    /** ES256 verifications made through {@link CountingProvider}. */
    static final AtomicInteger VERIFICATIONS = new AtomicInteger();

    private final Fixture f = new Fixture();

    private Verifier verifier(CertificateSource source, int cacheEntries) {
        return Verifier.create(VerifierSettings.defaults(), source, Es256.with(new CountingProvider()), cacheEntries);
    }

    private Verifier verifier(int cacheEntries) {
        return verifier(new LocalCertificateSource(f.served, f.validator(), null), cacheEntries);
    }

    private static CallAttempt call(String caller, String header) {
        return CallAttempt.of(caller, Fixture.CALLED, List.of(header));
    }

    @Test
    void theSameTokenAgainIsNotVerifiedAgain() {
        Verifier v = verifier(VerifiedPassports.DEFAULT_ENTRIES);
        String header = Fixture.identity(f.token());
        VERIFICATIONS.set(0);
        Verdict first = v.verify(call(Fixture.CALLER, header), Fixture.NOW);
        Verdict again = v.verify(call(Fixture.CALLER, header), Fixture.NOW.plusSeconds(5));
        assertEquals(Verdict.Status.PASS, first.status());
        assertEquals(first, again, "the same verdict");
        assertEquals(1, VERIFICATIONS.get(), "one ES256 verification for two calls");
        Verdict other = v.verify(call(Fixture.CALLER, Fixture.identity(f.token())), Fixture.NOW);
        assertEquals(Verdict.Status.PASS, other.status());
        assertEquals(2, VERIFICATIONS.get(), "another token is verified");
    }

    @Test
    void withoutTheCacheEveryCallVerifies() {
        Verifier v = verifier(0);
        String header = Fixture.identity(f.token());
        VERIFICATIONS.set(0);
        v.verify(call(Fixture.CALLER, header), Fixture.NOW);
        v.verify(call(Fixture.CALLER, header), Fixture.NOW);
        assertEquals(2, VERIFICATIONS.get());
    }

    @Test
    void whatDependsOnTheCallOrTheTimeIsCheckedEveryTime() {
        Verifier v = verifier(VerifiedPassports.DEFAULT_ENTRIES);
        String header = Fixture.identity(f.token());
        assertEquals(Verdict.Status.PASS, v.verify(call(Fixture.CALLER, header), Fixture.NOW).status());
        // another caller presenting the token: SHK-06
        assertEquals(Reason.ORIG_MISMATCH, v.verify(call("+12155550111", header), Fixture.NOW).reason());
        // another called number
        assertEquals(Reason.DEST_MISMATCH, v.verify(CallAttempt.of(Fixture.CALLER, "+12155550000", List.of(header)),
                Fixture.NOW).reason());
        // later than the freshness window: TIM-01
        assertEquals(Reason.STALE_IAT, v.verify(call(Fixture.CALLER, header), Fixture.NOW.plusSeconds(61)).reason());
        // the certificate has expired by the time of this call (CRT-04), whatever the cache remembers
        assertEquals(Reason.CERT_EXPIRED, v.verify(call(Fixture.CALLER, header),
                Instant.parse("2047-01-01T00:00:00Z")).reason());
        // and the first call's verdict again
        assertEquals(Verdict.Status.PASS, v.verify(call(Fixture.CALLER, header), Fixture.NOW).status());
    }

    @Test
    void aBadSignatureStaysBadAndANewCertificateBehindTheX5uIsVerifiedAgain() {
        String token = f.token();
        String tampered = token.substring(0, token.lastIndexOf('.') + 1)
                + (token.charAt(token.lastIndexOf('.') + 1) == 'A' ? 'B' : 'A') + token.substring(token.lastIndexOf('.') + 2);
        Verifier v = verifier(VerifiedPassports.DEFAULT_ENTRIES);
        VERIFICATIONS.set(0);
        assertEquals(Reason.BAD_SIGNATURE, v.verify(call(Fixture.CALLER, Fixture.identity(tampered)), Fixture.NOW).reason());
        assertEquals(Reason.BAD_SIGNATURE, v.verify(call(Fixture.CALLER, Fixture.identity(tampered)), Fixture.NOW).reason());
        assertEquals(1, VERIFICATIONS.get());

        // the cert server now serves another carrier's certificate at the same URL: the token no longer verifies
        Fixture other = new Fixture();
        LocalCertificateSource original = new LocalCertificateSource(f.served, f.validator(), null);
        LocalCertificateSource rotated = new LocalCertificateSource(other.served, other.validator(), null);
        boolean[] rotate = {false};
        Verifier w = verifier((x5u, at, deadline) -> (rotate[0] ? rotated : original).credential(x5u, at, deadline),
                VerifiedPassports.DEFAULT_ENTRIES);
        String header = Fixture.identity(token);
        assertEquals(Verdict.Status.PASS, w.verify(call(Fixture.CALLER, header), Fixture.NOW).status());
        rotate[0] = true;
        Verdict after = w.verify(call(Fixture.CALLER, header), Fixture.NOW);
        assertEquals(Reason.BAD_SIGNATURE, after.reason(), after.toString());
    }

    @Test
    void malformedValuesAreRememberedWithTheirReason() {
        Verifier v = verifier(VerifiedPassports.DEFAULT_ENTRIES);
        String bad = "not-a-jws;info=<https://cert.example.net/sp.pem>";
        Verdict a = v.verify(call(Fixture.CALLER, bad), Fixture.NOW);
        Verdict b = v.verify(call(Fixture.CALLER, bad), Fixture.NOW);
        assertEquals(Reason.MALFORMED_TOKEN, a.reason());
        assertEquals(a, b);
    }

    /**
     * A retransmitted INVITE comes 0.5 s, 1 s, 2 s after the first, hundreds of other tokens later at high call
     * rates, into a cache that is full. It is not verified again. (The cache this replaced kept a token seen once
     * out when full: the retransmission was verified again nine times in ten.)
     */
    @Test
    void aRetransmissionIntoAFullCacheIsNotVerifiedAgain() {
        Verifier v = verifier(1024);
        for (int i = 0; i < 1100; i++) { // full of verified tokens
            assertEquals(Verdict.Status.PASS, v.verify(call(Fixture.CALLER, Fixture.identity(token(i))), Fixture.NOW).status());
        }
        for (int i = 0; i < 20_000; i++) { // and long in use (the admission policy of the cache this replaced settles)
            v.verify(call(Fixture.CALLER, "not-a-jws-" + i + ";info=<" + Fixture.X5U + ">"), Fixture.NOW);
        }
        String header = Fixture.identity(f.token());
        VERIFICATIONS.set(0);
        Verdict first = v.verify(call(Fixture.CALLER, header), Fixture.NOW);
        for (int i = 0; i < 128; i++) { // an eighth of the cache's size later
            assertEquals(Verdict.Status.PASS, v.verify(call(Fixture.CALLER, Fixture.identity(token(2000 + i))), Fixture.NOW).status());
        }
        assertEquals(129, VERIFICATIONS.get(), "each token verified once");
        Verdict again = v.verify(call(Fixture.CALLER, header), Fixture.NOW.plusSeconds(1));
        assertEquals(129, VERIFICATIONS.get(), "the retransmission is not verified again");
        assertEquals(first, again);
    }

    /** Token {@code i}: a valid token of its own (its origid differs). */
    private String token(int i) {
        return f.token(Fixture.shakenHeader(Fixture.X5U), Fixture.claims("A", Fixture.CALLER, Fixture.CALLED, Fixture.IAT)
                .replace("4437c7eb", String.format("%08x", i)));
    }

    /**
     * Past the last {@link VerifiedPassports#RECENT} values the parsed form is gone (so that it dies young), the
     * signature outcome is not: the value is parsed again, checked in full, and not verified again.
     */
    @Test
    void pastTheRecentValuesATokenIsParsedAgainButNotVerifiedAgain() {
        Verifier v = verifier(VerifiedPassports.DEFAULT_ENTRIES);
        String header = Fixture.identity(f.token());
        VERIFICATIONS.set(0);
        assertEquals(Verdict.Status.PASS, v.verify(call(Fixture.CALLER, header), Fixture.NOW).status());
        for (int i = 0; i < VerifiedPassports.RECENT + 1; i++) { // other values, parsed and kept: the token is pushed out
            v.verify(call(Fixture.CALLER, "not-a-jws-" + i + ";info=<" + Fixture.X5U + ">"), Fixture.NOW);
        }
        assertEquals(1, VERIFICATIONS.get());
        assertEquals(Verdict.Status.PASS, v.verify(call(Fixture.CALLER, header), Fixture.NOW).status());
        assertEquals(Reason.ORIG_MISMATCH, v.verify(call("+12155550111", header), Fixture.NOW).reason(),
                "the checks that depend on the call still run");
        assertEquals(Reason.STALE_IAT, v.verify(call(Fixture.CALLER, header), Fixture.NOW.plusSeconds(61)).reason());
        assertEquals(1, VERIFICATIONS.get(), "one ES256 verification in all");
    }

    /** The parsed values are the recent ones only: what was parsed earlier can be collected. */
    @Test
    void parsedValuesPastTheRecentOnesAreNotKeptAlive() throws InterruptedException {
        VerifiedPassports cache = new VerifiedPassports(VerifiedPassports.DEFAULT_ENTRIES, Duration.ofSeconds(60));
        String header = Fixture.identity(f.token());
        java.lang.ref.WeakReference<VerifiedPassports.Memo> first = new java.lang.ref.WeakReference<>(cache.memo(header, 8192));
        assertEquals(first.get(), cache.memo(header, 8192), "the same value again: the same memo");
        for (int i = 0; i < VerifiedPassports.RECENT; i++) {
            cache.memo("not-a-jws-" + i, 8192);
        }
        assertNull(cache.get(header));
        for (int i = 0; i < 50 && first.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(first.get(), "nothing holds the parsed PASSporT any more");
        assertEquals(VerifiedPassports.RECENT, cache.size());
    }

    @Test
    void theCacheIsBounded() {
        VerifiedPassports cache = new VerifiedPassports(16, Duration.ofSeconds(60));
        for (int i = 0; i < 1000; i++) {
            cache.put("value-" + i, new VerifiedPassports.Memo(null, null, null, null));
        }
        org.junit.jupiter.api.Assertions.assertTrue(cache.size() <= 16 + 8, "bounded: " + cache.size());
        assertNull(cache.get("x".repeat(VerifiedPassports.MAX_VALUE_CHARS + 1)), "long values are never kept");
    }

    /** A JCA provider whose SHA256withECDSA is SunEC's, counting verifications. */
    public static final class CountingProvider extends Provider {
        private static final long serialVersionUID = 1L;

        CountingProvider() {
            super("Counting", "1", "SunEC ECDSA, counted");
            putService(new Service(this, "Signature", "SHA256withECDSA", CountingEcdsa.class.getName(), null, null));
        }
    }

    /** SunEC's SHA256withECDSA, counting {@link #engineVerify}. */
    public static final class CountingEcdsa extends SignatureSpi {
        private final Signature delegate;

        public CountingEcdsa() throws Exception {
            delegate = Signature.getInstance("SHA256withECDSA", "SunEC");
        }

        @Override
        protected void engineInitVerify(PublicKey key) throws InvalidKeyException {
            delegate.initVerify(key);
        }

        @Override
        protected void engineInitSign(PrivateKey key) throws InvalidKeyException {
            delegate.initSign(key);
        }

        @Override
        protected void engineUpdate(byte b) throws SignatureException {
            delegate.update(b);
        }

        @Override
        protected void engineUpdate(byte[] b, int off, int len) throws SignatureException {
            delegate.update(b, off, len);
        }

        @Override
        protected byte[] engineSign() throws SignatureException {
            return delegate.sign();
        }

        @Override
        protected boolean engineVerify(byte[] sig) throws SignatureException {
            VERIFICATIONS.incrementAndGet();
            return delegate.verify(sig);
        }

        @Override
        @Deprecated
        protected void engineSetParameter(String param, Object value) {
            throw new UnsupportedOperationException();
        }

        @Override
        @Deprecated
        protected Object engineGetParameter(String param) {
            throw new UnsupportedOperationException();
        }
    }
}
