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

    /**
     * The window keeps no object per PASSporT, not even the call id: at high call rates those strings were most
     * of what every young collection copied.
     */
    @Test
    void theWindowKeepsNoCallIdAlive() throws InterruptedException {
        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 1000);
        String callId = new String("call-" + System.nanoTime());
        java.lang.ref.WeakReference<String> ref = new java.lang.ref.WeakReference<>(callId);
        assertEquals(0, r.observe(D1, callId, T0));
        callId = null;
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(null, ref.get(), "the call id string is not held");
        assertEquals(1, r.size());
        assertEquals(1, r.observe(D1, "call-other", T0.plusSeconds(1)), "and the PASSporT is still remembered");
    }

    /** 0 marks an empty slot in the table: a clock before 1970 still finds nothing where nothing was seen. */
    @Test
    void aClockBefore1970FindsNothingWhereNothingWasSeen() {
        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 1);
        Instant before = Instant.ofEpochSecond(-60);
        assertEquals(0, r.observe(D1, "call-1", before), "an empty slot is not a sighting");
        assertEquals(1, r.observe(D1, "call-2", before.plusSeconds(1)));
        assertEquals(0, r.observe(D2, "call-3", before.plusSeconds(2)), "the one slot is made room for");
        assertEquals(1, r.size());
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

    /**
     * The table against a plain map, over many random observations: 40 PASSporTs in a table of 128 slots, so
     * probe runs collide, wrap around the end of the table, and are shortened by deletions of expired entries
     * (by the sweep and by the purges) all the time. No size eviction happens, so every answer must match.
     */
    @Test
    void answersExactlyAsAPlainMapWhileEntriesCollideExpireAndAreDeleted() {
        java.util.Random rnd = new java.util.Random(12);
        for (int round = 0; round < 20; round++) {
            ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 40);
            assertEquals(128, r.capacity());
            java.util.Map<String, Long> expiry = new java.util.HashMap<>();
            java.util.Map<String, java.util.List<String>> calls = new java.util.HashMap<>();
            long now = T0.toEpochMilli();
            for (int op = 0; op < 20_000; op++) {
                now += rnd.nextInt(200);
                String digest = String.format("%064x", rnd.nextInt(40) * 0x9E3779B97F4A7C15L + round);
                String call = rnd.nextInt(10) == 0 ? null : "call-" + rnd.nextInt(6);
                long until = now + 1 + rnd.nextInt(3000);
                int got = r.observe(digest, call, Instant.ofEpochMilli(until), Instant.ofEpochMilli(now));
                Long e = expiry.get(digest);
                java.util.List<String> seen = calls.get(digest);
                int expected;
                if (e == null || e <= now) {
                    expiry.put(digest, until);
                    seen = new java.util.ArrayList<>();
                    calls.put(digest, seen);
                    seen.add(call);
                    expected = 0;
                } else if (call != null && seen.contains(call)) {
                    expected = seen.size() - 1;
                } else {
                    seen.add(call);
                    expected = seen.size() - 1;
                }
                assertEquals(expected, got, "round " + round + ", observation " + op);
                if (op % 1000 == 0) {
                    long at = now;
                    assertEquals(expiry.values().stream().filter(x -> x > at).count(), r.live(Instant.ofEpochMilli(at)),
                            "live at " + op);
                }
            }
            assertEquals(0, r.evictedBeforeExpiry());
        }
    }

    /**
     * At 1,000 calls/s for 1,000 s, with the default window and bound, every PASSporT is remembered for its whole
     * window and expired ones make room: nothing is evicted, the table stays within twice the bound, and each
     * PASSporT still in its window is found.
     */
    @Test
    void expiredPassportsMakeRoomSoTheTableStaysWithinItsBound() {
        ReplayWindow w = new ReplayWindow(Duration.ofSeconds(60), Duration.ofSeconds(60));
        ReplayDetector r = new ReplayDetector(w.longest(), 1000L * w.longest().toSeconds());
        long iat = T0.getEpochSecond();
        int n = 1_000_000;
        for (int i = 0; i < n; i++) {
            Instant now = T0.plusMillis(i);
            assertEquals(0, r.observe(hex(i), "c" + i, w.expiresAt(iat + i / 1000, now), now));
        }
        assertEquals(0, r.evictedBeforeExpiry());
        assertEquals(262_144, r.capacity(), "twice the bound of 121,000, rounded up to a power of two");
        Instant end = T0.plusMillis(n);
        long held = r.size();
        long size = r.live(end);
        assertTrue(size >= 60_000 && size <= 62_000, "about a minute of PASSporTs: " + size);
        assertTrue(held >= size && held <= 121_000, "held: in their window or expired and not swept yet: " + held);
        assertEquals(size, r.size(), "live() deleted the expired ones");
        assertEquals(1, r.observe(hex(n - 1), "other", end), "the last one is remembered");
        assertEquals(1, r.observe(hex(n - 59_000), "other", end), "59 s ago: remembered");
        assertEquals(0, r.observe(hex(n - 62_000), "other", end), "62 s ago: forgotten");
    }

    @Test
    void aDigestInAnotherFormIsKeptApartFromTheHexDigest() {
        ReplayDetector r = new ReplayDetector(Duration.ofSeconds(60), 1000);
        assertEquals(0, r.observe(D1, "call-1", T0));
        assertEquals(0, r.observe(D1.toUpperCase(java.util.Locale.ROOT), "call-2", T0), "not the same string");
        assertEquals(0, r.observe("x", "call-3", T0));
        assertEquals(1, r.observe("x", "call-4", T0));
        assertEquals(1, r.observe(D1, "call-5", T0));
    }

    @Test
    void rejectsNonsenseConfiguration() {
        assertThrows(IllegalArgumentException.class, () -> new ReplayDetector(Duration.ZERO, 10));
        assertThrows(IllegalArgumentException.class, () -> new ReplayDetector(Duration.ofSeconds(1), 0));
    }

    /** {@code i} as a 64-digit hex digest. */
    private static String hex(long i) {
        return "0".repeat(48) + java.util.HexFormat.of().toHexDigits(i);
    }

    private static String digestOfSignedContent(String jws) throws Exception {
        String signed = jws.substring(0, jws.lastIndexOf('.'));
        byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                .digest(signed.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return java.util.HexFormat.of().formatHex(h);
    }
}
