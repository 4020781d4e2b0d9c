package org.stirshield.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ReplayDetectorTest {
    private static final Instant T0 = Instant.parse("2026-11-23T16:00:00Z");
    private static final String D1 = "a".repeat(64);
    private static final String D2 = "b".repeat(64);

    @Test
    void samePassportOnAnotherCallWithinTheWindowIsAReplay() {
        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 1000);
        assertEquals(0, r.observe(D1, "call-1", T0));
        assertEquals(1, r.observe(D1, "call-2", T0.plusSeconds(5)), "one other call carried it");
        assertEquals(2, r.observe(D1, "call-3", T0.plusSeconds(10)));
        assertEquals(0, r.observe(D2, "call-4", T0.plusSeconds(10)), "another PASSporT is independent");
    }

    @Test
    void retransmittedInviteOfTheSameCallIsNotAReplay() {
        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 1000);
        assertEquals(0, r.observe(D1, "call-1", T0));
        assertEquals(0, r.observe(D1, "call-1", T0.plusSeconds(1)), "same call id: a retry");
        assertEquals(1, r.observe(D1, "call-2", T0.plusSeconds(2)));
        assertEquals(1, r.observe(D1, "call-1", T0.plusSeconds(3)), "retry of call-1 still sees call-2 only");
    }

    /**
     * PPT-15: ECDSA signatures are malleable (s and n-s both verify), so a replayer can present the same signed
     * content with a different signature. The key is the digest of header.payload, which is the same for both.
     */
    @Test
    void ppt15ReplayWithAMalleatedSignatureIsStillDetectedBecauseTheKeyIsTheSignedContent() throws Exception {
        String signedContent = "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0In0"
                + ".eyJhdHRlc3QiOiJBIiwiaWF0IjoxNzY0MDAwMDAwfQ";
        byte[] content = signedContent.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        var gen = java.security.KeyPairGenerator.getInstance("EC");
        gen.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        var keys = gen.generateKeyPair();
        var signer = java.security.Signature.getInstance("SHA256withECDSAinP1363Format");
        signer.initSign(keys.getPrivate());
        signer.update(content);
        byte[] sig = signer.sign();
        // (r, s) -> (r, n - s): a different, equally valid signature over the same content (RFC 7518 §3.4)
        java.math.BigInteger n = ((java.security.interfaces.ECPublicKey) keys.getPublic()).getParams().getOrder();
        java.math.BigInteger s = new java.math.BigInteger(1, java.util.Arrays.copyOfRange(sig, 32, 64));
        byte[] sMal = n.subtract(s).toByteArray();
        byte[] mal = sig.clone();
        java.util.Arrays.fill(mal, 32, 64, (byte) 0);
        int len = Math.min(32, sMal.length);
        System.arraycopy(sMal, sMal.length - len, mal, 64 - len, len);
        var verifier = java.security.Signature.getInstance("SHA256withECDSAinP1363Format");
        verifier.initVerify(keys.getPublic());
        verifier.update(content);
        assertTrue(verifier.verify(mal), "the malleated signature verifies too");
        var b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        String jwsOriginal = signedContent + "." + b64.encodeToString(sig);
        String jwsMalleated = signedContent + "." + b64.encodeToString(mal);
        assertTrue(!jwsOriginal.equals(jwsMalleated));

        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 1000);
        assertEquals(0, r.observe(digestOfSignedContent(jwsOriginal), "call-1", T0));
        assertEquals(1, r.observe(digestOfSignedContent(jwsMalleated), "call-2", T0.plusSeconds(1)),
                "replay with a malleated signature is caught");
    }

    @Test
    void aPassportIsForgottenWhenItsWindowEnds() {
        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 1000);
        r.observe(D1, "call-1", T0);
        assertEquals(1, r.observe(D1, "call-2", T0.plusSeconds(30)));
        assertEquals(0, r.observe(D1, "call-3", T0.plusSeconds(75)), "the window of call-1's PASSporT ended at T0+60");
        assertEquals(1, r.observe(D1, "call-4", T0.plusSeconds(80)), "a new window began with call-3");
    }

    /**
     * The window is the PASSporT's, not the sighting's: it is remembered until iat + freshness + 1 s, the moment
     * the verifier stops accepting it (TIM-01), whoever sees it when.
     */
    @Test
    void theWindowEndsWhenThePassportStopsPassingFreshness() {
        ReplayWindow w = new ReplayWindow(Duration.ofSeconds(60), Duration.ofSeconds(60));
        ReplayDetector r = new ReplayDetector(w.longest(), 1000);
        long iat = T0.getEpochSecond();
        assertEquals(Instant.ofEpochSecond(iat + 61), w.expiresAt(iat, T0.plusSeconds(2)));
        assertEquals(0, r.observe(D1, "call-1", w.expiresAt(iat, T0.plusSeconds(2)), T0.plusSeconds(2)));
        assertEquals(1, r.observe(D1, "call-2", w.expiresAt(iat, T0.plusSeconds(60)), T0.plusSeconds(60)),
                "still fresh at iat + 60 s: a replay");
        assertEquals(0, r.observe(D1, "call-3", w.expiresAt(iat, T0.plusSeconds(62)), T0.plusSeconds(62)),
                "past iat + freshness the verifier rejects it as stale anyway: nothing to remember");
        // a signer clock running 60 s fast: remembered for freshness + future_skew + 1 s, never longer
        assertEquals(T0.plusSeconds(121), w.expiresAt(iat + 60, T0));
        assertEquals(T0.plusSeconds(121), w.expiresAt(iat + 3600, T0), "capped at the longest window");
        assertEquals(T0.plusSeconds(121), w.expiresAt(null, T0), "no iat: the longest window");
        assertEquals(Duration.ofSeconds(121), w.longest());
    }

    @Test
    void passportsPushedOutBeforeTheyExpireAreCounted() {
        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 100);
        for (int i = 0; i < 100; i++) {
            r.observe(Integer.toHexString(i), "c" + i, T0);
        }
        r.size();
        assertEquals(0, r.evictedBeforeExpiry(), "100 PASSporTs fit");
        for (int i = 100; i < 1100; i++) {
            r.observe(Integer.toHexString(i), "c" + i, T0);
        }
        r.size();
        assertTrue(r.evictedBeforeExpiry() >= 1000, "each one dropped for room is counted: " + r.evictedBeforeExpiry());
        assertEquals(100, r.maximumSize());
    }

    @Test
    void nullDigestIsNeverAReplayAndNullCallIdsCountAsSeparateCalls() {
        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 1000);
        assertEquals(0, r.observe(null, "c", T0));
        assertEquals(0, r.observe(null, "d", T0));
        assertEquals(0, r.observe(D1, null, T0));
        assertEquals(1, r.observe(D1, null, T0));
    }

    @Test
    void memoryIsBoundedByMaximumSizeAndCallsPerDigest() {
        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 100);
        for (int i = 0; i < 10_000; i++) {
            r.observe(Integer.toHexString(i), "c" + i, T0);
        }
        assertTrue(r.size() <= 100, "size " + r.size());
        // one PASSporT replayed on very many calls: still counted, memory per digest bounded
        int last = 0;
        for (int i = 0; i < 1000; i++) {
            last = r.observe(D2, "call-" + i, T0.plusMillis(i));
        }
        assertEquals(999, last);
    }

    @Test
    void concurrentObservationsCountEveryOtherCallExactlyOnce() throws Exception {
        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 10_000);
        int threads = 4;
        int perThread = 50; // total 200 distinct calls, more than the per-digest id cap
        ConcurrentLinkedQueue<Integer> results = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * perThread;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    results.add(r.observe(D1, "call-" + (base + i), T0));
                }
            });
            th.start();
            ts.add(th);
        }
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        // the n-th call to arrive sees n-1 others: the answers are exactly 0..199
        List<Integer> sorted = results.stream().sorted().toList();
        for (int i = 0; i < threads * perThread; i++) {
            assertEquals(i, sorted.get(i));
        }
    }

    @Test
    void rejectsNonsenseConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> new ReplayDetector(Duration.ZERO, 10));
        assertThrows(IllegalArgumentException.class, () -> new ReplayDetector(Duration.ofSeconds(1), 0));
    }

    private static String digestOfSignedContent(String jws) throws Exception {
        String signed = jws.substring(0, jws.lastIndexOf('.'));
        byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                .digest(signed.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return java.util.HexFormat.of().formatHex(h);
    }
}
