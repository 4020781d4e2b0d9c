package org.stirshield.passport;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ES256 signature verification (RFC 7518 §3.4): ECDSA P-256 with SHA-256 over the JWS signing input,
 * the signature being exactly 64 bytes {@code R‖S} with {@code 1 ≤ r,s ≤ n−1} (PPT-14). High-S is
 * accepted (PPT-15). The algorithm is fixed here and never taken from the token (PPT-03).
 *
 * <p>The JCA provider is passed explicitly to {@link Signature#getInstance(String, Provider)}; nothing is
 * registered globally, so TLS and everything else keep the JDK's provider order.
 */
public final class Es256 {
    private static final Logger LOG = LoggerFactory.getLogger(Es256.class);

    /** The order n of the P-256 base point. */
    public static final BigInteger P256_N =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    /** {@link #fastest()}'s instance, made at its first use. */
    private static final class Fastest {
        static final Es256 INSTANCE = new Es256(Security.getProvider("SunEC"));
    }

    private static final java.util.concurrent.CountDownLatch CHOSEN = new java.util.concurrent.CountDownLatch(1);
    /** Loads, tests and switches {@link #fastest()} to the fastest provider, on a thread of its own, once. */
    private static final ProviderUpgrade UPGRADE = new ProviderUpgrade(() -> Thread.ofPlatform().name("es256-provider")
            .daemon().start(() -> {
                LOG.debug("ES256 provider upgrade: loading ACCP, else BouncyCastle (SunEC meanwhile)");
                try {
                    Provider p = choose();
                    if (p != null) {
                        Fastest.INSTANCE.provider = p;
                        LOG.info("ES256 verification via {}", p.getName());
                    }
                } finally {
                    CHOSEN.countDown();
                }
            }));

    /** The provider in use: fixed, except for {@link #fastest()}'s, which starts with SunEC and is upgraded once. */
    private volatile Provider provider;
    private final ThreadLocal<Signature> signature = new ThreadLocal<>();

    private Es256(Provider provider) {
        this.provider = provider;
    }

    /** This thread's Signature of the current provider. */
    private Signature signature() throws GeneralSecurityException {
        Provider p = provider;
        Signature s = signature.get();
        if (s == null || s.getProvider() != p) {
            s = Signature.getInstance("SHA256withECDSA", p);
            signature.set(s);
        }
        return s;
    }

    /** ES256 with a given provider. */
    public static Es256 with(Provider provider) {
        return new Es256(provider);
    }

    /** The name of the provider in use. */
    public String providerName() {
        return provider.getName();
    }

    /**
     * Verifies {@code sig} (raw 64-byte R‖S) over {@code signingInput} (ASCII, as received) with
     * {@code key}. Returns false for any malformed signature; never throws for bad input.
     */
    public boolean verify(PublicKey key, String signingInput, byte[] sig) {
        byte[] der = toDer(sig);
        if (der == null) {
            return false;
        }
        try {
            Signature s = signature();
            s.initVerify(key);
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return s.verify(der);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** R‖S (64 bytes, 1 ≤ r,s ≤ n−1) to an ASN.1 DER ECDSA-Sig-Value, or null when out of range (PPT-14). */
    static byte[] toDer(byte[] sig) {
        if (sig == null || sig.length != 64) {
            return null;
        }
        byte[] rb = new byte[32];
        byte[] sb = new byte[32];
        System.arraycopy(sig, 0, rb, 0, 32);
        System.arraycopy(sig, 32, sb, 0, 32);
        BigInteger r = new BigInteger(1, rb);
        BigInteger s = new BigInteger(1, sb);
        if (r.signum() <= 0 || s.signum() <= 0 || r.compareTo(P256_N) >= 0 || s.compareTo(P256_N) >= 0) {
            return null;
        }
        byte[] re = r.toByteArray();
        byte[] se = s.toByteArray();
        int len = 2 + re.length + 2 + se.length;
        byte[] out = new byte[2 + len];
        out[0] = 0x30;
        out[1] = (byte) len; // at most 70, fits the short form
        out[2] = 0x02;
        out[3] = (byte) re.length;
        System.arraycopy(re, 0, out, 4, re.length);
        int o = 4 + re.length;
        out[o] = 0x02;
        out[o + 1] = (byte) se.length;
        System.arraycopy(se, 0, out, o + 2, se.length);
        return out;
    }

    /**
     * The candidate providers that load here, in preference order: Amazon Corretto Crypto Provider
     * (native; may fail to load), BouncyCastle, SunEC.
     */
    public static List<Provider> candidates() {
        List<Provider> out = new ArrayList<>();
        Provider accp = accp();
        if (accp != null) {
            out.add(accp);
        }
        Provider bc = bouncyCastle();
        if (bc != null) {
            out.add(bc);
        }
        Provider sun = Security.getProvider("SunEC");
        if (sun != null) {
            out.add(sun);
        }
        return out;
    }

    private static Provider accp() {
        try {
            Class<?> c = Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider");
            Provider accp = (Provider) c.getField("INSTANCE").get(null);
            Object err = c.getMethod("getLoadingError").invoke(accp);
            if (err == null) {
                return accp;
            }
            LOG.debug("ACCP not usable: {}", err);
        } catch (Throwable t) {
            LOG.debug("ACCP not available: {}", t.toString());
        }
        return null;
    }

    private static Provider bouncyCastle() {
        try {
            // By name, like ACCP: a direct reference makes the bytecode verifier load BouncyCastleProvider with
            // Es256 on the caller's thread, and its signed jar is verified then (about 0.3 s at start-up)
            return (Provider) Class.forName("org.bouncycastle.jce.provider.BouncyCastleProvider")
                    .getConstructor().newInstance();
        } catch (Throwable t) {
            LOG.debug("BouncyCastle not available: {}", t.toString());
            return null;
        }
    }

    /**
     * Self-test: a signature made with SunEC verifies, a tampered message and a zero signature do not.
     * Returns the number of nanoseconds for {@code rounds} verifications, or -1 when the test failed.
     */
    static long selfTest(Es256 es, int rounds) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC", "SunEC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            String input = "eyJhbGciOiJFUzI1NiJ9.eyJzZWxmIjoidGVzdCJ9";
            Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format", "SunEC");
            signer.initSign(kp.getPrivate());
            signer.update(input.getBytes(StandardCharsets.US_ASCII));
            byte[] sig = signer.sign();
            if (!es.verify(kp.getPublic(), input, sig) || es.verify(kp.getPublic(), input + "x", sig)
                    || es.verify(kp.getPublic(), input, new byte[64])) {
                return -1;
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                if (!es.verify(kp.getPublic(), input, sig)) {
                    return -1;
                }
            }
            return System.nanoTime() - t0;
        } catch (GeneralSecurityException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The fastest provider that passes the self-test, chosen once per JVM. The order is known (measured:
     * ACCP about 4x BouncyCastle and 12x SunEC for P-256 verification, docs/performance.md), so the first
     * candidate that verifies correctly is taken: no timing, which on a busy machine could pick a slow
     * provider by chance, and BouncyCastle is not even loaded when ACCP works.
     *
     * <p>Loading ACCP's native library takes about half a second of CPU, so it is not done on the caller's
     * thread: the instance returned answers at once with the JDK's SunEC (always there, correct, slower) and
     * switches to the fastest provider as soon as a background thread has loaded and tested it
     * ({@link #awaitFastest}). A restarted server accepts calls without waiting for it.
     */
    public static Es256 fastest() {
        UPGRADE.request();
        return Fastest.INSTANCE;
    }

    /**
     * Holds back {@link #fastest()}'s upgrade until the hold is closed; then it starts, if {@code fastest()} was asked
     * for meanwhile. {@code serve} holds it until its listener is open: loading ACCP costs about 0.3 s of CPU and
     * reads its signed jar, which on 2 cores competed with the main thread (and held up its class-path lookups)
     * before the listener opened. Calls accepted before the upgrade verify with SunEC.
     */
    public static UpgradeHold holdUpgrade() {
        return UPGRADE.hold()::run;
    }

    /** A hold of {@link #holdUpgrade()}: closing it releases it (once). */
    @FunctionalInterface
    public interface UpgradeHold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Waits (at most {@code timeout}) until {@link #fastest()} runs on its final provider; returns it. Starts the
     * upgrade now even while it is held.
     */
    public static Es256 awaitFastest(java.time.Duration timeout) {
        UPGRADE.startNow();
        try {
            CHOSEN.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Fastest.INSTANCE;
    }

    /** The first of ACCP, BouncyCastle that loads and passes the self-test, else null (SunEC stays). */
    private static Provider choose() {
        java.util.function.Supplier<?>[] order = {Es256::accp, Es256::bouncyCastle};
        for (java.util.function.Supplier<?> candidate : order) {
            Provider p = (Provider) candidate.get();
            if (p == null) {
                continue;
            }
            if (selfTest(new Es256(p), 0) >= 0) {
                return p;
            }
            LOG.warn("ES256 provider {} fails the self-test; not used", p.getName());
        }
        return null;
    }
}
